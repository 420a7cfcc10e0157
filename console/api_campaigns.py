"""`/api/v1/campaigns`: read and create campaigns, pause one with a reason, start it again, tune its settings and
numbers."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from console.api_lists import user_error_reply
from console.auth import MANAGERS, api_for, sessions
from dialer.campaigns import (
    campaign_summaries,
    create_campaign,
    find_campaign,
    pause_campaigns,
    set_retry_rules,
    start_campaign,
    stop_campaign,
    tune_campaign,
)
from dialer.models import DEFAULT_LANGUAGE, CampaignStatus
from number_pool.campaign_numbers import choose_numbers, chosen_numbers
from tierdial.config import Config
from tierdial.errors import UserError

api_campaigns = Blueprint("api_campaigns", __name__, url_prefix="/api/v1")
api_campaigns.register_error_handler(UserError, user_error_reply)

TUNABLE = {"abandon_cap", "pacing", "retry_hours", "caller_numbers"}


@api_campaigns.get("/campaigns")
@api_for(MANAGERS, scopes=("campaigns:read", "campaigns:write"))
def campaigns():  # type: ignore[no-untyped-def]
    with sessions()() as session:
        chosen = chosen_numbers(session)
        return jsonify(
            campaigns=[{**c, "caller_numbers": chosen.get(c["id"], [])} for c in campaign_summaries(session)]
        )


@api_campaigns.post("/campaigns")
@api_for(MANAGERS, scopes=("campaigns:write",))
def create():  # type: ignore[no-untyped-def]
    """`{"name": "spring", "language": "en"}`: a draft with the configured defaults; `language` defaults to Korean."""
    body = request.get_json(silent=True)
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise UserError('send {"name": "spring"}, and "language": "en" for a bot that speaks English')
    language = body.get("language", DEFAULT_LANGUAGE)
    if not isinstance(language, str):
        raise UserError(f'language: a language\'s code, e.g. "en" (got {language!r})')
    config: Config = current_app.config["TIERDIAL"]
    with sessions().begin() as session:
        found = create_campaign(session, name, config.campaign_defaults, language=language)
        reply = {"id": found.id, "campaign": found.name, "status": CampaignStatus.draft.value, "language": language}
    return jsonify(reply), 201


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
    """`{"abandon_cap": 0.02}`, `{"pacing": "tierdial"}`, `{"retry_hours": {...}}` and/or `{"caller_numbers": [...]}`:
    taken up by a running dialer within a second."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not (TUNABLE & set(body)):
        raise UserError('send {"abandon_cap": 0.02}, {"pacing": "tierdial"}, {"retry_hours": {"busy": 1, ...}} '
                        'and/or {"caller_numbers": ["+82..."]}')  # fmt: skip
    numbers = body.get("caller_numbers")
    if numbers is not None and (not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers)):
        raise UserError('caller_numbers: a list of the organisation\'s numbers, e.g. ["+82234567890"]; [] offers all')
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
        if numbers is not None:
            choose_numbers(session, found.id, numbers, g.actor)
        return jsonify(campaign=found.name, status=found.status.value, abandon_cap=found.abandon_cap,
                       pacing=found.pacing, retry_hours=found.retry_hours,
                       caller_numbers=chosen_numbers(session).get(found.id, []))  # fmt: skip
