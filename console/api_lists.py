"""`/api/v1/campaigns/<campaign>/lists` and `/api/v1/imports/<id>`: call lists loaded by scripts.

A small file is loaded within the request and its per-row report returned (201). A big
one is saved, registered and loaded in the background (202): its status URL shows the
progress and, at the end, the same report. Either way the import is one transaction.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy.orm import Session, sessionmaker

from console.auth import MANAGERS, api_for, sessions
from dialer.lists.importer import ListTerms, import_list, import_workers, register_import
from dialer.lists.rows import RowReader, detect_format
from dialer.lists.status import import_status
from tierdial.config import Config
from tierdial.errors import NotFound, UserError

log = logging.getLogger(__name__)
api_lists = Blueprint("api_lists", __name__, url_prefix="/api/v1")
INLINE_BYTES = 1024 * 1024  # up to this size the report comes back in the response


def user_error_reply(error: UserError):  # type: ignore[no-untyped-def]
    """Bad input is the caller's to fix: 404 for a thing that does not exist, else 400, with the reason."""
    if isinstance(error, NotFound):
        return jsonify(error="not_found", message=str(error)), 404
    return jsonify(error="bad_request", message=str(error)), 400


api_lists.register_error_handler(UserError, user_error_reply)


@api_lists.post("/campaigns/<campaign>/lists")
@api_for(MANAGERS, scopes=("lists:write",))
def upload_list(campaign: str):  # type: ignore[no-untyped-def]
    config: Config = current_app.config["TIERDIAL"]
    fields = request.form if request.files else request.args
    upload = request.files.get("file")
    name = fields.get("name") or (upload.filename if upload else None) or "upload"
    terms = ListTerms(
        source=fields.get("source", ""),
        consent_basis=fields.get("consent_basis", ""),
        default_region=(fields.get("region") or config.campaign_defaults.default_region).upper(),
        name=name,
        imported_by=g.actor,
    )
    path = config.data_dir / "uploads" / f"{uuid.uuid4().hex}.upload"
    path.parent.mkdir(parents=True, exist_ok=True)
    if upload:
        upload.save(path)
    else:
        with path.open("wb") as out:
            while chunk := request.stream.read(1 << 20):
                out.write(chunk)
    with path.open("rb") as head:
        fmt = fields.get("format") or detect_format(Path(name), head.read(4096))
    size = path.stat().st_size
    if size == 0:
        path.unlink()
        raise UserError("the upload is empty: send the list as the `file` field or as the request body")
    with sessions().begin() as session:
        job_id = register_import(session, campaign, name)
    if size <= INLINE_BYTES:
        return jsonify(_load(sessions(), _Upload(path, name, fmt, terms, job_id))), 201
    progress = _progress_board()
    progress[job_id] = {"bytes_read": 0, "bytes_total": size}

    def advance(bytes_read: int) -> None:
        progress[job_id] = {"bytes_read": bytes_read, "bytes_total": size}

    worker = threading.Thread(
        target=_load_in_background, args=(sessions(), _Upload(path, name, fmt, terms, job_id), advance, progress)
    )
    worker.start()
    status_url = f"/api/v1/imports/{job_id}"
    return jsonify(import_id=job_id, status="running", status_url=status_url), 202, {"Location": status_url}


def _progress_board() -> dict[int, dict[str, int]]:
    """Bytes read by this console's background imports: the import's transaction keeps them from the database."""
    return current_app.extensions.setdefault("tierdial.import_progress", {})


@dataclass(frozen=True, slots=True)
class _Upload:
    path: Path  # the saved upload, deleted once loaded
    name: str
    fmt: str
    terms: ListTerms
    job_id: int


def _load(factory: sessionmaker[Session], upload: _Upload, progress: Callable[[int], None] | None = None) -> dict:
    try:
        with upload.path.open("rb") as stream:
            workers = import_workers(upload.path.stat().st_size)
            reader = RowReader(stream, upload.name, upload.fmt)
            report = import_list(
                factory, upload.job_id, reader, upload.terms, workers=workers, job_id=upload.job_id, progress=progress
            )
        return report.as_dict()
    finally:
        upload.path.unlink(missing_ok=True)


def _load_in_background(
    factory: sessionmaker[Session],
    upload: _Upload,
    progress: Callable[[int], None],
    board: dict[int, dict[str, int]],
) -> None:
    try:
        _load(factory, upload, progress)
    except Exception:  # the job row says it failed and why; nothing of the file was kept
        log.exception("list import %d failed", upload.job_id)
    finally:
        board.pop(upload.job_id, None)


@api_lists.get("/imports/<int(max=2147483647):import_id>")
@api_for(MANAGERS, scopes=("lists:read", "lists:write"))
def import_progress(import_id: int):  # type: ignore[no-untyped-def]
    # The board first: it loses an import's entry only after the import has written its end to the database.
    read = _progress_board().get(import_id)
    with sessions().begin() as session:  # a read that may mark an interrupted import failed
        status = import_status(session, import_id)
    if status["status"] == "running" and read:
        status["progress"] = {**read, "percent": round(100 * read["bytes_read"] / max(1, read["bytes_total"]), 1)}
    return jsonify(status)
