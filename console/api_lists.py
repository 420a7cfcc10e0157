"""`/api/v1/campaigns/<campaign>/lists` and `/api/v1/imports/<id>`: call lists loaded by scripts.

A small file is loaded within the request and its per-row report returned (201). A big
one is saved, registered and loaded in the background (202): its status URL shows the
progress and, at the end, the same report. Either way the import is one transaction.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from console.auth import MANAGERS, api_for
from console.list_uploads import accept_list, current_import_status
from tierdial.errors import NotFound, UserError

api_lists = Blueprint("api_lists", __name__, url_prefix="/api/v1")


def user_error_reply(error: UserError):  # type: ignore[no-untyped-def]
    """Bad input is the caller's to fix: 404 for a thing that does not exist, else 400, with the reason."""
    if isinstance(error, NotFound):
        return jsonify(error="not_found", message=str(error)), 404
    return jsonify(error="bad_request", message=str(error)), 400


api_lists.register_error_handler(UserError, user_error_reply)


@api_lists.post("/campaigns/<campaign>/lists")
@api_for(MANAGERS, scopes=("lists:write",))
def upload_list(campaign: str):  # type: ignore[no-untyped-def]
    """The file as the `file` field of a form (terms as form fields) or as the body (terms in the query)."""
    fields = request.form if request.files else request.args
    accepted = accept_list(campaign, fields, request.files.get("file"), request.stream, g.actor)
    if accepted.report is not None:
        return jsonify(accepted.report), 201
    status_url = f"/api/v1/imports/{accepted.import_id}"
    return jsonify(import_id=accepted.import_id, status="running", status_url=status_url), 202, {"Location": status_url}


@api_lists.get("/imports/<int(max=2147483647):import_id>")
@api_for(MANAGERS, scopes=("lists:read", "lists:write"))
def import_progress(import_id: int):  # type: ignore[no-untyped-def]
    return jsonify(current_import_status(import_id))
