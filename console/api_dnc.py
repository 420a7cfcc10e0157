"""`/api/v1/dnc`: put numbers on the do-not-call list (a CRM's unsubscribe, a complaint desk), search it, and take
a number listed by mistake off again."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from console.api_lists import user_error_reply
from console.auth import MANAGERS, api_for, sessions
from dialer.campaigns import find_campaign
from dialer.dnc import add_entry, remove_entry, search_entries
from dialer.lists.numbers import parse_number
from tierdial.config import Config
from tierdial.errors import UserError

api_dnc = Blueprint("api_dnc", __name__, url_prefix="/api/v1")


api_dnc.register_error_handler(UserError, user_error_reply)


@api_dnc.post("/dnc")
@api_for(MANAGERS, scopes=("dnc:write",))
def add_number():  # type: ignore[no-untyped-def]
    """`{"phone": ..., "reason": ..., "campaign": optional, "region": optional}`; 201 added, 200 already listed."""
    config: Config = current_app.config["TIERDIAL"]
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("phone"), str):
        raise UserError('send JSON like {"phone": "+82 10 1234 5678", "reason": "asked on the phone"}')
    region = str(body.get("region") or config.campaign_defaults.default_region).upper()
    try:
        phone = parse_number(body["phone"], region)
    except UserError as exc:
        raise UserError(f"phone: {exc}") from None  # name the field for the script's author
    with sessions().begin() as session:
        campaign_id = find_campaign(session, str(body["campaign"])).id if body.get("campaign") else None
        added = add_entry(session, phone, str(body.get("reason") or ""), f"api: {g.actor}", g.actor, campaign_id)
    return jsonify(added=added, scope="campaign" if campaign_id else "internal"), 201 if added else 200


@api_dnc.get("/dnc")
@api_for(MANAGERS, scopes=("dnc:read", "dnc:write"))
def search():  # type: ignore[no-untyped-def]
    """`?q=DIGITS` (at least 4): entries whose number contains them, newest first (50), and whether each may go."""
    with sessions()() as session:
        return jsonify(entries=search_entries(session, request.args.get("q", "")))


@api_dnc.post("/dnc/<int(max=2147483647):entry_id>/remove")
@api_for(MANAGERS, scopes=("dnc:write",))
def remove(entry_id: int):  # type: ignore[no-untyped-def]
    """`{"reason": ...}`: a number listed by mistake comes off (audited); opt-outs and registry entries never do."""
    body = request.get_json(silent=True)
    reason = body.get("reason") if isinstance(body, dict) else None
    if not isinstance(reason, str):
        raise UserError('send {"reason": "..."}: why the number comes off the list')
    with sessions().begin() as session:
        remove_entry(session, entry_id, reason, g.actor)
    return jsonify(removed=entry_id), 200
