"""`/api/v1/campaigns`: read campaigns, pause one with a reason, start it again."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from console.api_lists import user_error_reply
from console.auth import MANAGERS, api_for, sessions
from dialer.campaigns import campaign_summaries, find_campaign, pause_campaigns, start_campaign
from tierdial.errors import UserError

api_campaigns = Blueprint("api_campaigns", __name__, url_prefix="/api/v1")
api_campaigns.register_error_handler(UserError, user_error_reply)


@api_campaigns.get("/campaigns")
@api_for(MANAGERS, scopes=("campaigns:read", "campaigns:write"))
def campaigns():  # type: ignore[no-untyped-def]
    with sessions()() as session:
        return jsonify(campaigns=campaign_summaries(session))


@api_campaigns.post("/campaigns/<campaign>/pause")
@api_for(MANAGERS, scopes=("campaigns:write",))
def pause(campaign: str):  # type: ignore[no-untyped-def]
    body = request.get_json(silent=True) or {}
    reason = body.get("reason") if isinstance(body, dict) else None
    if not isinstance(reason, str) or not reason.strip():
        raise UserError('say why: send {"reason": "..."}; the reason is shown to supervisors and kept')
    with sessions().begin() as session:
        found = find_campaign(session, campaign)
        pause_campaigns(session, {found.id}, f"{reason.strip()} ({g.actor})", actor=g.actor)
        return jsonify(campaign=found.name, status=found.status.value, status_reason=found.status_reason)


@api_campaigns.post("/campaigns/<campaign>/start")
@api_for(MANAGERS, scopes=("campaigns:write",))
def start(campaign: str):  # type: ignore[no-untyped-def]
    with sessions().begin() as session:
        found = start_campaign(session, campaign, g.actor)
        return jsonify(campaign=found.name, status=found.status.value)
