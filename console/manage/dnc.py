"""`/manage/dnc`: search the do-not-call lists, add a number with a reason, take a mistaken entry off, read the log."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request
from werkzeug.wrappers import Response

from console.auth import MANAGERS, page_for, sessions
from console.manage.forms import done, required, show_errors_on
from dialer.campaigns import campaign_names, find_campaign
from dialer.dnc import add_entry, dnc_audit, remove_entry, search_entries
from dialer.lists.numbers import parse_number
from tierdial.config import Config
from tierdial.errors import UserError

manage_dnc = Blueprint("manage_dnc", __name__, url_prefix="/manage/dnc")


def _page(error: str | None = None) -> str:
    query = request.args.get("q", "").strip()
    with sessions()() as session:
        try:
            found = search_entries(session, query) if query else []
        except UserError as exc:
            found, error = [], error or str(exc)
        return render_template(
            "manage/dnc.html", query=query, found=found, log=dnc_audit(session), error=error,
            campaigns=sorted(campaign_names(session).values()),
            region=current_app.config["TIERDIAL"].campaign_defaults.default_region,
        )  # fmt: skip


show_errors_on(manage_dnc, _page)


@manage_dnc.get("")
@page_for(*MANAGERS)
def dnc() -> str:
    return _page()


@manage_dnc.post("/add")
@page_for(*MANAGERS)
def add() -> Response:
    config: Config = current_app.config["TIERDIAL"]
    region = (request.form.get("region") or config.campaign_defaults.default_region).strip().upper()
    phone = parse_number(required("phone", "the number to list"), region)
    reason = required("reason", "why the number goes on the list")
    with sessions().begin() as session:
        campaign = request.form.get("campaign", "").strip()
        campaign_id = find_campaign(session, campaign).id if campaign else None
        added = add_entry(session, phone, reason, f"console: {g.actor}", g.actor, campaign_id)
    where = f"campaign {campaign}'s list" if campaign_id else "the internal list (every campaign)"
    return done(f"{phone} {'added to' if added else 'was already on'} {where}", ".dnc", q=phone)


@manage_dnc.post("/<int(max=2147483647):entry_id>/remove")
@page_for(*MANAGERS)
def remove(entry_id: int) -> Response:
    reason = required("reason", "why the number comes off the list")
    with sessions().begin() as session:
        phone = remove_entry(session, entry_id, reason, g.actor)
    return done(f"{phone} taken off the do-not-call list; the removal and its reason are in the log", ".dnc")
