"""Webhooks: events pushed to a URL as JSON, signed so the receiver knows they came from us.

Each POST carries `X-Tierdial-Event`, `X-Tierdial-Delivery` (the delivery's id: the
same on every retry, so a receiver can drop repeats), `X-Tierdial-Timestamp` (Unix
seconds) and `X-Tierdial-Signature: sha256=HEX`, the HMAC-SHA256 of
`"{timestamp}.{body}"` keyed with the webhook's secret. A receiver recomputes it and
refuses a stale timestamp. Deliveries are stored before they are sent, so none is
lost to a restart; a 2xx answer delivers, anything else is retried with back-off.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.models import Webhook, WebhookDelivery
from tierdial import audit
from tierdial.db import iso
from tierdial.errors import NotFound, UserError

EVENTS = ("tier.hot", "call.ended", "opt_out", "kpi.alert")
RETRY_DELAYS = (10, 30, 120, 600, 1800, 3600, 3 * 3600)  # seconds before each retry; then the delivery fails
SECRET_PREFIX = "whsec_"
MAX_URL = 2000


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def add_webhook(session: Session, url: str, events: list[str], by: str) -> tuple[Webhook, str]:
    """Returns the webhook and its secret, which the receiver needs to check signatures."""
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and len(url) <= MAX_URL
    except ValueError:  # "http://[::1" and the like
        usable = False
    if not usable:
        raise UserError(f"url: an http:// or https:// address of at most {MAX_URL} characters (got {url[:100]!r})")
    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        raise UserError(f"events must be some of {', '.join(EVENTS)} (got {', '.join(unknown) or 'none'})")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    hook = Webhook(url=url, events=" ".join(sorted(set(events))), secret=secret, created_by=by)
    session.add(hook)
    session.flush()
    audit.record(session, by, "webhook_added", "webhook", str(hook.id), url=url, events=hook.events)
    return hook, secret


def remove_webhook(session: Session, webhook_id: int, by: str) -> None:
    hook = session.get(Webhook, webhook_id)
    if hook is None or hook.removed_at is not None:
        raise NotFound(f"no webhook {webhook_id}")
    hook.removed_at = dt.datetime.now(dt.UTC)
    session.execute(
        WebhookDelivery.__table__.update()
        .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status == "pending")
        .values(status="cancelled")
    )
    audit.record(session, by, "webhook_removed", "webhook", str(webhook_id), url=hook.url)


def webhook_list(session: Session) -> list[dict[str, object]]:
    counts = dict(
        session.execute(
            select(WebhookDelivery.webhook_id, func.count())
            .where(WebhookDelivery.status == "failed")
            .group_by(WebhookDelivery.webhook_id)
        ).all()
    )
    return [
        {"id": h.id, "url": h.url, "events": h.events.split(), "created_by": h.created_by,
         "created_at": h.created_at.isoformat(), "failed_deliveries": counts.get(h.id, 0)}
        for h in session.scalars(select(Webhook).where(Webhook.removed_at.is_(None)).order_by(Webhook.id))
    ]  # fmt: skip


def subscriptions(session: Session) -> dict[str, list[int]]:
    """Event -> the live webhooks that want it."""
    wanted: dict[str, list[int]] = {}
    for hook_id, events in session.execute(select(Webhook.id, Webhook.events).where(Webhook.removed_at.is_(None))):
        for event in events.split():
            wanted.setdefault(event, []).append(hook_id)
    return wanted


def queue_event(session: Session, webhook_ids: list[int], event: str, body: str, now: dt.datetime) -> None:
    """A delivery of the event to each of these webhooks, due now."""
    for hook_id in webhook_ids:
        session.add(WebhookDelivery(webhook_id=hook_id, event=event, body=body, next_attempt_at=now))


def deliveries(session: Session, webhook_id: int, limit: int = 100) -> list[dict[str, object]]:
    if session.get(Webhook, webhook_id) is None:
        raise NotFound(f"no webhook {webhook_id}")
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return [
        {"id": d.id, "event": d.event, "status": d.status, "attempts": d.attempts, "last_status": d.last_status,
         "last_error": d.last_error, "created_at": d.created_at.isoformat(),
         "next_attempt_at": iso(d.next_attempt_at) if d.status == "pending" else None,
         "delivered_at": iso(d.delivered_at)}
        for d in session.scalars(query)
    ]  # fmt: skip
