"""`/manage/numbers`: the owned caller numbers, their reputation, and quarantine or release with a reason."""

from __future__ import annotations

from flask import Blueprint, g, render_template
from werkzeug.wrappers import Response

from console.auth import MANAGERS, page_for, sessions
from console.manage.forms import done, required, show_errors_on
from dialer.campaigns import campaign_names
from dialer.number_reports import quarantine_by_hand
from number_pool.reputation import number_summaries, release

manage_numbers = Blueprint("manage_numbers", __name__, url_prefix="/manage/numbers")


def _page(error: str | None = None) -> str:
    with sessions()() as session:
        rows = number_summaries(session, campaign_names(session))
    return render_template("manage/numbers.html", rows=rows, error=error)


show_errors_on(manage_numbers, _page)


@manage_numbers.get("")
@page_for(*MANAGERS)
def numbers() -> str:
    return _page()


@manage_numbers.post("/<number>/quarantine")
@page_for(*MANAGERS)
def quarantine(number: str) -> Response:
    reason = required("reason", "why the number is quarantined")
    with sessions().begin() as session:
        paused = quarantine_by_hand(session, number, reason, g.actor)
    return done(f"{number} quarantined; campaigns paused: {', '.join(paused) or 'none'}", ".numbers")


@manage_numbers.post("/<number>/release")
@page_for(*MANAGERS)
def release_number(number: str) -> Response:
    reason = required("reason", "why the number may be used again")
    with sessions().begin() as session:
        release(session, number, reason, g.actor)
    return done(f"{number} released; start its paused campaigns again when ready", ".numbers")
