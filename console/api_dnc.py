"""`/api/v1/dnc`: scripts put numbers on the do-not-call list (a CRM's unsubscribe, a complaint desk)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from console.api_lists import user_error_reply
from console.auth import MANAGERS, api_for, sessions
from dialer.campaigns import find_campaign
from dialer.dnc import add_entry
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
