"""The people's pages: live calls for agents, the live dashboard for supervisors."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from asr.transcripts import transcript_of
from console.auth import MANAGERS, PEOPLE, page_for, sessions
from dialer.attempts import attempt_by_call, recent_attempts
from intent.history import tier_history
from tierdial.errors import NotFound

pages = Blueprint("pages", __name__)


@pages.get("/")
@page_for(*PEOPLE)
def agent() -> str:
    return render_template("agent.html")


@pages.get("/supervisor")
@page_for(*MANAGERS)
def supervisor() -> str:
    return render_template("supervisor.html")


@pages.get("/calls")
@page_for(*MANAGERS)
def calls() -> str:
    """The newest calls, for review; `?campaign=NAME` keeps one campaign."""
    campaign = request.args.get("campaign") or None
    with sessions()() as session:
        try:
            rows = recent_attempts(session, campaign)
        except NotFound as exc:
            return render_template("calls.html", rows=[], campaign=campaign, error=str(exc))
    return render_template("calls.html", rows=rows, campaign=campaign, error=None)


@pages.get("/calls/<call_id>")
@page_for(*MANAGERS)
def call_review(call_id: str):  # type: ignore[no-untyped-def]
    """One call: its record, the transcript by speaker and time, and every tier decided with its evidence."""
    with sessions()() as session:
        try:
            attempt = attempt_by_call(session, call_id)
        except NotFound as exc:
            return render_template("not_found.html", message=str(exc)), 404
        transcript = transcript_of(session, call_id)
        tiers = tier_history(session, call_id)
    return render_template("call.html", attempt=attempt, transcript=transcript, tiers=tiers)
