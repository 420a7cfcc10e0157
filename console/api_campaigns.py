"""`/api/v1/campaigns`: read campaigns, pause one with a reason, start it again."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from console.api_lists import user_error_reply
from console.auth import MANAGERS, api_for, sessions
from dialer.campaigns import (
    campaign_summaries,
    find_campaign,
    pause_campaigns,
    set_retry_rules,
    start_campaign,
    stop_campaign,
    tune_campaign,
)
from tierdial.errors import UserError

api_campaigns = Blueprint("api_campaigns", __name__, url_prefix="/api/v1")
api_campaigns.register_error_handler(UserError, user_error_reply)


@api_campaigns.get("/campaigns")
@api_for(MANAGERS, scopes=("campaigns:read", "campaigns:write"))
def campaigns():  # type: ignore[no-untyped-def]
    with sessions()() as session:
        return jsonify(campaigns=campaign_summaries(session))


def _reason() -> str:
    body = request.get_json(silent=True) or {}
    reason = body.get("reason") if isinstance(body, dict) else None
    if not isinstance(reason, str) or not reason.strip():
        raise UserError('say why: send {"reason": "..."}; the reason is shown to supervisors and kept')
    return reason.strip()


@api_campaigns.post("/campaigns/<campaign>/pause")
@api_for(MANAGERS, scopes=("campaigns:write",))
def pause(campaign: str):  # type: ignore[no-untyped-def]
    reason = _reason()
    with sessions().begin() as session:
        found = find_campaign(session, campaign)
        pause_campaigns(session, {found.id}, f"{reason} ({g.actor})", actor=g.actor)
        return jsonify(campaign=found.name, status=found.status.value, status_reason=found.status_reason)


@api_campaigns.post("/campaigns/<campaign>/start")
@api_for(MANAGERS, scopes=("campaigns:write",))
def start(campaign: str):  # type: ignore[no-untyped-def]
    with sessions().begin() as session:
        found = start_campaign(session, campaign, g.actor)
        return jsonify(campaign=found.name, status=found.status.value)


@api_campaigns.post("/campaigns/<campaign>/stop")
@api_for(MANAGERS, scopes=("campaigns:write",))
def stop(campaign: str):  # type: ignore[no-untyped-def]
    """`{"reason": ...}`: no more dials; calls in progress end normally."""
    reason = _reason()
    with sessions().begin() as session:
        found = stop_campaign(session, campaign, f"{reason} ({g.actor})", g.actor)
        return jsonify(campaign=found.name, status=found.status.value, status_reason=found.status_reason)


@api_campaigns.patch("/campaigns/<campaign>")
@api_for(MANAGERS, scopes=("campaigns:write",))
def tune(campaign: str):  # type: ignore[no-untyped-def]
    """`{"abandon_cap": 0.02}`, `{"pacing": "tierdial"}` and/or `{"retry_hours": {...}}`: taken up by a running
    dialer within a second."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not ({"abandon_cap", "pacing", "retry_hours"} & set(body)):
        raise UserError('send {"abandon_cap": 0.02}, {"pacing": "tierdial"} and/or {"retry_hours": {"busy": 1, ...}}')
    retry = body.get("retry_hours")
    if retry is not None and not isinstance(retry, dict):
        raise UserError("retry_hours: hours by outcome: answered, no_answer, busy, machine, abandoned (at least 72)")
    cap, pacing = body.get("abandon_cap"), body.get("pacing")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int | float)):
        raise UserError(f"abandon_cap: a number, e.g. 0.02 for 2 % (got {cap!r})")
    if pacing is not None and not isinstance(pacing, str):
        raise UserError(f"pacing: a mode's name (got {pacing!r})")
    with sessions().begin() as session:
        found = tune_campaign(session, campaign, g.actor, None if cap is None else float(cap), pacing)
        if retry is not None:
            set_retry_rules(session, campaign, g.actor, retry)
        return jsonify(campaign=found.name, status=found.status.value, abandon_cap=found.abandon_cap,
                       pacing=found.pacing, retry_hours=found.retry_hours)  # fmt: skip
