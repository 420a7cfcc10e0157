"""`/manage/lists`: upload a call list with its source and consent basis, follow its import, read its per-row
report; every list with its contacts by status."""

from __future__ import annotations

import io

from flask import Blueprint, Response, current_app, g, render_template, request

from console.auth import MANAGERS, page_for, sessions
from console.list_uploads import accept_list, current_import_status
from console.manage.forms import done, required, show_errors_on
from dialer.campaigns import campaign_names
from dialer.lists.export import write_csv
from dialer.lists.importer import CONSENT_BASES
from dialer.lists.listing import list_summaries, recent_imports
from tierdial.config import Config
from tierdial.errors import UserError

manage_lists = Blueprint("manage_lists", __name__, url_prefix="/manage/lists")
REJECTIONS_SHOWN = 200  # on the page; the CSV has every one the report kept


def _page(error: str | None = None) -> str:
    config: Config = current_app.config["TIERDIAL"]
    with sessions()() as session:
        return render_template(
            "manage/lists.html", lists=list_summaries(session), imports=recent_imports(session), error=error,
            campaigns=sorted(campaign_names(session).values()), bases=CONSENT_BASES,
            region=config.campaign_defaults.default_region,
        )  # fmt: skip


show_errors_on(manage_lists, _page)


@manage_lists.get("")
@page_for(*MANAGERS)
def lists() -> str:
    return _page()


@manage_lists.post("/upload")
@page_for(*MANAGERS)
def upload() -> Response:
    campaign = required("campaign", "the campaign the list is for")
    file = request.files.get("file")
    if file is None or not file.filename:
        raise UserError("choose the list's file (CSV, or JSON lines); nothing was loaded")
    accepted = accept_list(campaign, request.form, file, request.stream, g.actor)
    if accepted.report is None:
        return done(f"{file.filename} is loading", ".import_report", import_id=accepted.import_id)
    report = accepted.report
    message = f"{file.filename}: {report['loaded']} contacts loaded, {report['rejected']} rows rejected"
    return done(message, ".import_report", import_id=accepted.import_id)


@manage_lists.get("/imports/<int(max=2147483647):import_id>")
@page_for(*MANAGERS)
def import_report(import_id: int) -> str:
    status = current_import_status(import_id)
    report = status.get("report") or {}
    rejections = report.get("rejections", [])
    more = max(0, len(rejections) - REJECTIONS_SHOWN)
    return render_template("manage/import.html", status=status, report=report, error=None,
                           rejections=rejections[:REJECTIONS_SHOWN], more=more)  # fmt: skip


@manage_lists.get("/imports/<int(max=2147483647):import_id>/rejections.csv")
@page_for(*MANAGERS)
def rejections_csv(import_id: int) -> Response:
    report = current_import_status(import_id).get("report") or {}
    out = io.StringIO()
    write_csv(
        ([r["line"], r["reason"], r["detail"]] for r in report.get("rejections", [])), ("line", "reason", "detail"), out
    )
    name = f"import-{import_id}-rejections.csv"
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"}
    )
