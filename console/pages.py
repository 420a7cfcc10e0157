"""The people's pages: live calls for agents, the live dashboard for supervisors."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template, request, send_file

from asr.transcripts import transcript_of
from console.auth import MANAGERS, PEOPLE, page_for, sessions
from dialer.attempts import attempt_by_call, recent_attempts
from dialer.pacing.registry import LIVE_MODES
from dialer.recordings import recording_path
from intent.history import tier_history
from tierdial.config import Config
from tierdial.errors import NotFound

pages = Blueprint("pages", __name__)


@pages.get("/")
@page_for(*PEOPLE)
def agent() -> str:
    return render_template("agent.html")


@pages.get("/supervisor")
@page_for(*MANAGERS)
def supervisor() -> str:
    return render_template("supervisor.html", modes=LIVE_MODES)


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
    recording = recording_path(_recordings(), call_id) is not None
    return render_template("call.html", attempt=attempt, transcript=transcript, tiers=tiers, recording=recording)


def _recordings() -> Path | None:
    config: Config = current_app.config["TIERDIAL"]
    return config.asterisk.recordings_readable_at


@pages.get("/calls/<call_id>/recording.wav")
@page_for(*MANAGERS)
def call_recording(call_id: str):  # type: ignore[no-untyped-def]
    """The call's recording, for the player on its review page."""
    with sessions()() as session:
        try:
            attempt_by_call(session, call_id)
        except NotFound as exc:
            return render_template("not_found.html", message=str(exc)), 404
    path = recording_path(_recordings(), call_id)
    if path is None:
        return render_template("not_found.html", message="this call was not recorded, or the recording is gone"), 404
    return send_file(path, mimetype="audio/wav", conditional=True)
