"""`/api/v1/attempts` and `/api/v1/calls/<call_id>`: what happened on each call, for scripts and call review."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request, stream_with_context

from asr.transcripts import transcript_of
from console.api_lists import user_error_reply
from console.auth import MANAGERS, api_for, sessions
from dialer.attempts import MAX_PAGE, attempt_by_call, attempts_page
from intent.history import tier_history
from tierdial.errors import UserError

api_records = Blueprint("api_records", __name__, url_prefix="/api/v1")
api_records.register_error_handler(UserError, user_error_reply)
DEFAULT_PAGE = 100


def _whole_number(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:  # "²" is a digit to isdigit()
        raise UserError(f"{name}: a whole number from {low} to {high} (got {raw!r})")
    return int(raw)


@api_records.get("/attempts")
@api_for(MANAGERS, scopes=("attempts:read",))
def attempts():  # type: ignore[no-untyped-def]
    """Oldest first; follow `next` for the following page (empty once there is nothing newer yet)."""
    after = _whole_number("after", 0, 0, 2**62)
    limit = _whole_number("limit", DEFAULT_PAGE, 1, MAX_PAGE)
    campaign = request.args.get("campaign") or None
    with sessions()() as session:
        page = attempts_page(session, campaign, after, limit)
    last = page[-1]["id"] if page else after
    query = {"after": last, "limit": limit, **({"campaign": campaign} if campaign else {})}
    return jsonify(attempts=page, next=f"/api/v1/attempts?{urlencode(query)}" if len(page) == limit else None)


@api_records.get("/calls/<call_id>")
@api_for(MANAGERS, scopes=("attempts:read",))
def call_record(call_id: str):  # type: ignore[no-untyped-def]
    """One call: its attempt, the transcript (callee, bot, agent) and every tier decided, in order."""
    with sessions()() as session:
        attempt = attempt_by_call(session, call_id)
        transcript = [
            {"speaker": s.speaker, "text": s.text, "start_ms": s.start_ms, "end_ms": s.end_ms}
            for s in transcript_of(session, call_id)
        ]
        tiers = [
            {"tier": d.tier, "confidence": d.confidence, "evidence": list(d.evidence), "text": d.source_text,
             "is_final": d.is_final, "by_rule": d.by_rule, "decided_at": d.decided_at.isoformat()}
            for d in tier_history(session, call_id)
        ]  # fmt: skip
    return jsonify(attempt=attempt, transcript=transcript, tiers=tiers)


CSV_FIELDS = ("id", "call_id", "campaign", "contact_id", "phone", "caller_number", "started_at", "answered_at",
              "ended_at", "outcome", "hangup_cause", "final_tier", "agent", "disposition", "notes")  # fmt: skip
FREE_TEXT = {"hangup_cause", "agent", "disposition", "notes"}


def _cell(field: str, value: object) -> object:
    """Free text that a spreadsheet would run as a formula is kept as text (a leading apostrophe)."""
    if field in FREE_TEXT and isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


@api_records.get("/attempts.csv")
@api_for(MANAGERS, scopes=("attempts:read",))
def attempts_csv():  # type: ignore[no-untyped-def]
    """Every attempt (of one campaign, if named) as CSV, oldest first, streamed a page at a time."""
    campaign = request.args.get("campaign") or None
    with sessions()() as session:
        first = attempts_page(session, campaign, 0, MAX_PAGE)  # an unknown campaign fails here, as a 404

    def lines():  # type: ignore[no-untyped-def]
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_FIELDS)
        page = first
        while page:
            for row in page:
                writer.writerow([_cell(field, row[field]) for field in CSV_FIELDS])
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            with sessions()() as session:
                page = attempts_page(session, campaign, int(page[-1]["id"]), MAX_PAGE)  # type: ignore[call-overload]
        yield out.getvalue()

    name = f"attempts-{campaign or 'all'}.csv".replace('"', "")
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(stream_with_context(lines()), mimetype="text/csv", headers=headers)
