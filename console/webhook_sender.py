"""Turns the dialer's messages into webhook deliveries and sends them, retrying with back-off.

The bus hands messages over on the dialer's own thread, so they are only queued there;
one sender thread stores them as deliveries and posts what is due. With several console nodes on one
database each sender claims a delivery before posting it, so each is sent by one node.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from console.models import Webhook, WebhookDelivery
from console.webhooks import RETRY_DELAYS, queue_event, signature, subscriptions
from dialer.attempts import attempt_by_call
from dialer.telephony.legs import LegKind, leg_of
from intent.tiers import Tier
from tierdial.bus import EventBus
from tierdial.db import utcnow
from tierdial.errors import NotFound
from tierdial.messages import CallEnded, HotLeadOffered, KpiAlert, TierDecided

log = logging.getLogger(__name__)
SEND_TIMEOUT_SECONDS = 5.0
BATCH = 50
CLAIM_LEASE = dt.timedelta(seconds=6 * SEND_TIMEOUT_SECONDS)  # one post, claimed just before it, with room to spare


class WebhookSender:
    def __init__(
        self,
        bus: EventBus,
        sessions: sessionmaker[Session],
        clock: Callable[[], dt.datetime] = utcnow,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        self._sessions, self._clock, self._delays = sessions, clock, retry_delays
        self._incoming: queue.Queue[tuple[str, str, dict]] = queue.Queue()
        self._announced: set[tuple[str, str]] = set()  # (call, event): a hot lead is pushed once, not per utterance
        self._due_at: dt.datetime | None = self._clock()  # the next delivery due: look once at start-up
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
        self._unsubscribe = bus.subscribe(self.observe)
        self._thread.start()

    def observe(self, message: object) -> None:
        hot = isinstance(message, HotLeadOffered)
        if hot or (isinstance(message, TierDecided) and message.is_final and message.tier == Tier.E):
            event = "tier.hot" if hot else "opt_out"
            if (message.call_id, event) in self._announced:
                return
            self._announced.add((message.call_id, event))
            detail = {"tier": message.tier, "confidence": message.confidence, "evidence": list(message.evidence),
                      "text": message.text, "by_rule": message.by_rule}  # fmt: skip
            self._incoming.put((event, message.call_id, detail))
        elif isinstance(message, CallEnded) and leg_of(message.call_id).kind is LegKind.callee:
            self._announced = {key for key in self._announced if key[0] != message.call_id}
            self._incoming.put(("call.ended", message.call_id, {"outcome": message.outcome}))
        elif isinstance(message, KpiAlert):
            self._incoming.put(("kpi.alert", "", {"kpi": message.kpi, "label": message.label,
                                                  "campaign": message.campaign, "target": message.target,
                                                  "actual": message.actual,
                                                  "missed_for_seconds": message.missed_for_seconds}))  # fmt: skip

    def stop(self) -> None:
        self._unsubscribe()
        self._stop.set()
        self._thread.join(timeout=SEND_TIMEOUT_SECONDS + 2)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._store_incoming(timeout=0.5)
                if self._due_at is not None and self._due_at <= self._clock():
                    self.send_due()
            except Exception:  # a database hiccup must not end webhooks for the rest of the shift
                log.exception("webhook sender")
                time.sleep(1)

    def _store_incoming(self, timeout: float) -> None:
        try:
            first = self._incoming.get(timeout=timeout)
        except queue.Empty:
            return
        batch = [first]
        while not self._incoming.empty() and len(batch) < BATCH:
            batch.append(self._incoming.get_nowait())
        now = self._clock()
        with self._sessions.begin() as session:
            wanted = subscriptions(session)
            for event, call_id, detail in batch:
                if not wanted.get(event):
                    continue  # nobody listens: no call record looked up, nothing stored
                body = {"event": event, "at": now.isoformat(), **detail}
                if call_id:  # every event but a KPI alert is about a call
                    try:
                        body["call"] = attempt_by_call(session, call_id)
                    except NotFound:
                        body["call"] = {"call_id": call_id}
                queue_event(session, wanted[event], event, json.dumps(body, ensure_ascii=False), now)
        self._due_at = now

    def send_due(self) -> int:
        """Post every delivery that is due; returns how many were tried."""
        now = self._clock()
        with self._sessions() as session:
            due = session.execute(
                select(WebhookDelivery.id, WebhookDelivery.next_attempt_at, Webhook.url, Webhook.secret,
                       WebhookDelivery.event, WebhookDelivery.body)
                .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
                .order_by(WebhookDelivery.id)
                .limit(BATCH)
            ).all()  # fmt: skip
        tried = 0
        for delivery_id, due_at, url, secret, event, body in due:
            if not self._claim(delivery_id, due_at, now):
                continue  # another console node is sending it
            status, error = _post(url, secret, delivery_id, event, body.encode())
            self._record(delivery_id, status, error)
            tried += 1
        with self._sessions() as session:
            self._due_at = session.scalar(
                select(func.min(WebhookDelivery.next_attempt_at)).where(WebhookDelivery.status == "pending")
            )
        return tried

    def _claim(self, delivery_id: int, due_at: dt.datetime, now: dt.datetime) -> bool:
        """Take the delivery for this sender: every console node attached to a dialer sends what is due, and only
        the one whose update finds the delivery as it was read sends it. Its next attempt moves a lease ahead, so
        that a node dying mid-send leaves it to another (a receiver may then see its delivery id twice)."""
        with self._sessions.begin() as session:
            claimed = session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
                       WebhookDelivery.next_attempt_at == due_at)
                .values(next_attempt_at=now + CLAIM_LEASE)
            )  # fmt: skip
            return claimed.rowcount == 1

    def _record(self, delivery_id: int, status: int | None, error: str | None) -> None:
        now = self._clock()
        with self._sessions.begin() as session:
            delivery = session.get_one(WebhookDelivery, delivery_id)
            delivery.attempts += 1
            delivery.last_status, delivery.last_error = status, error[:500] if error else None
            if status is not None and 200 <= status < 300:
                delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
            elif delivery.attempts > len(self._delays):
                delivery.status, delivery.next_attempt_at = "failed", None
                log.warning("webhook delivery %d failed for good after %d attempts: %s", delivery_id,
                            delivery.attempts, error or status)  # fmt: skip
            else:
                delivery.next_attempt_at = now + dt.timedelta(seconds=self._delays[delivery.attempts - 1])


def _post(url: str, secret: str, delivery_id: int, event: str, body: bytes) -> tuple[int | None, str | None]:
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "tierdial-webhooks",
        "X-Tierdial-Event": event,
        "X-Tierdial-Delivery": str(delivery_id),
        "X-Tierdial-Timestamp": str(timestamp),
        "X-Tierdial-Signature": signature(secret, timestamp, body),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_SECONDS) as reply:
            return reply.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))
