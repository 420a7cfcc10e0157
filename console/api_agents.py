"""`/api/v1/agents/me` and `/api/v1/calls/<id>/contact`: the signed-in agent's availability, and who is on a call."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, current_app, g, jsonify, request

from console.api_lists import user_error_reply
from console.auth import PEOPLE, api_for, sessions
from console.live import attached_feed
from dialer.attempts import contact_of_call
from tierdial.db import utcnow
from tierdial.errors import UserError

api_agents = Blueprint("api_agents", __name__, url_prefix="/api/v1")
api_agents.register_error_handler(UserError, user_error_reply)


def _me() -> str:
    if g.person is None:
        raise UserError("this is the signed-in agent's own state: sign in to the console")
    return str(g.person.name)


@api_agents.get("/agents/me")
@api_for(PEOPLE)
def my_state():  # type: ignore[no-untyped-def]
    """Ready or paused (with the reason), and whether the agent's phone leg is up."""
    return jsonify(asdict(attached_feed().control.agent_status(_me())))


@api_agents.post("/agents/me/state")
@api_for(PEOPLE)
def set_my_state():  # type: ignore[no-untyped-def]
    """`{"state": "ready"}` or `{"state": "paused", "reason": "break"}`."""
    body = request.get_json(silent=True)
    state = body.get("state") if isinstance(body, dict) else None
    if state not in ("ready", "paused"):
        raise UserError('send {"state": "ready"} or {"state": "paused", "reason": "..."}')
    reason = body.get("reason", "") if isinstance(body.get("reason", ""), str) else ""
    if state == "paused" and not reason.strip():
        raise UserError("say why you pause (break, training, after-call work...): supervisors see it")
    return jsonify(asdict(attached_feed().control.set_agent_state(_me(), state == "ready", reason)))


@api_agents.get("/calls/<call_id>/contact")
@api_for(PEOPLE, scopes=("attempts:read",))
def contact(call_id: str):  # type: ignore[no-untyped-def]
    """The callee's name, masked number, time zone and time there by the dialer's clock (which judges calling
    windows), and their earlier calls with outcomes and notes."""
    feed = current_app.extensions.get("tierdial.live")
    now = feed.control.clock() if feed is not None else utcnow()
    with sessions()() as session:
        return jsonify(contact_of_call(session, call_id, now))
