"""`/api/v1/kpis`: each campaign's figures and the supervisors' targets against them, with alerts."""

from __future__ import annotations

import datetime as dt
import math

from flask import Blueprint, current_app, g, jsonify, request

from console.api_lists import user_error_reply
from console.auth import MANAGERS, api_for, sessions
from console.kpi_report import kpi_report
from console.kpis import KPIS, remove_target, set_target
from console.live import LiveFeed
from tierdial.errors import UserError

api_kpis = Blueprint("api_kpis", __name__, url_prefix="/api/v1")
api_kpis.register_error_handler(UserError, user_error_reply)
DEFAULT_ALERT_AFTER_MINUTES = 5.0


@api_kpis.get("/kpis")
@api_for(MANAGERS, scopes=("kpis:read",))
def kpis():  # type: ignore[no-untyped-def]
    """Figures per campaign and overall (with the team's occupancy and wrap-up), each agent's time today, every
    target with its actual, and the targets in alert."""
    live: LiveFeed | None = current_app.extensions.get("tierdial.live")
    hot_leads, bus = (live.hot_leads, live.bus) if live is not None else (None, None)
    with sessions().begin() as session:  # evaluating moves each target's missed-since and alert state on
        report = kpi_report(session, dt.datetime.now(dt.UTC), hot_leads, bus)
    return jsonify(report)


def _number(body: dict, field: str, default: float | None = None) -> float:
    value = body.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UserError(f"{field}: a number is needed (got {value!r})")  # JSON parsing lets NaN and Infinity in
    return float(value)


@api_kpis.put("/kpis/targets")
@api_for(MANAGERS, scopes=("kpis:write",))
def put_target():  # type: ignore[no-untyped-def]
    """`{"kpi": "hot_lead_yield", "target": 0.2, "alert_after_minutes": 10, "campaign": optional}`."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("kpi"), str):
        raise UserError(f'send JSON like {{"kpi": "connect_rate", "target": 0.3}}; kpis: {", ".join(KPIS)}')
    campaign = body.get("campaign")
    if campaign is not None and not isinstance(campaign, str):
        raise UserError("campaign: a campaign's name, or leave it out for all campaigns together")
    target, after = _number(body, "target"), _number(body, "alert_after_minutes", DEFAULT_ALERT_AFTER_MINUTES)
    with sessions().begin() as session:
        found = set_target(session, body["kpi"], target, after, g.actor, campaign or None)
        reply = {"id": found.id, "kpi": found.kpi, "target": found.target, "campaign": campaign or None,
                 "alert_after_minutes": found.alert_after_minutes}  # fmt: skip
    return jsonify(reply), 200


@api_kpis.delete("/kpis/targets/<int(max=2147483647):target_id>")
@api_for(MANAGERS, scopes=("kpis:write",))
def delete_target(target_id: int):  # type: ignore[no-untyped-def]
    with sessions().begin() as session:
        remove_target(session, target_id, g.actor)
    return "", 204
