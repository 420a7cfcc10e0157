"""`/api/v1/webhooks`: register a URL for events, remove it, read its delivery log."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from console.api_lists import user_error_reply
from console.auth import MANAGERS, api_for, sessions
from console.webhooks import EVENTS, add_webhook, deliveries, remove_webhook, webhook_list
from tierdial.errors import UserError

api_webhooks = Blueprint("api_webhooks", __name__, url_prefix="/api/v1")
api_webhooks.register_error_handler(UserError, user_error_reply)
ID = "<int(max=2147483647):webhook_id>"


@api_webhooks.get("/webhooks")
@api_for(MANAGERS, scopes=("webhooks:write",))
def webhooks():  # type: ignore[no-untyped-def]
    with sessions()() as session:
        return jsonify(webhooks=webhook_list(session), events=list(EVENTS))


@api_webhooks.post("/webhooks")
@api_for(MANAGERS, scopes=("webhooks:write",))
def add():  # type: ignore[no-untyped-def]
    """`{"url": ..., "events": ["tier.hot", ...]}`; the answer holds the signing secret, shown this once."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("url"), str) or not isinstance(body.get("events"), list):
        raise UserError(f'send JSON like {{"url": "https://crm.example/hooks", "events": ["tier.hot"]}}; events: '
                        f"{', '.join(EVENTS)}")  # fmt: skip
    events = [str(e) for e in body["events"]]
    with sessions().begin() as session:
        hook, secret = add_webhook(session, body["url"], events, g.actor)
        reply = {"id": hook.id, "url": hook.url, "events": hook.events.split(), "secret": secret}
    return jsonify(reply), 201


@api_webhooks.delete(f"/webhooks/{ID}")
@api_for(MANAGERS, scopes=("webhooks:write",))
def remove(webhook_id: int):  # type: ignore[no-untyped-def]
    with sessions().begin() as session:
        remove_webhook(session, webhook_id, g.actor)
    return "", 204


@api_webhooks.get(f"/webhooks/{ID}/deliveries")
@api_for(MANAGERS, scopes=("webhooks:write",))
def delivery_log(webhook_id: int):  # type: ignore[no-untyped-def]
    """The newest 100 deliveries: event, status (pending, delivered, failed, cancelled), attempts, last answer."""
    with sessions()() as session:
        return jsonify(deliveries=deliveries(session, webhook_id))
