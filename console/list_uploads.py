"""A call list sent to the console, by a script or from the lists page.

A small file is loaded within the request and its per-row report returned. A big one is
saved, registered and loaded in the background: its import's status shows the progress and,
at the end, the same report. Either way the import is one transaction.

A saved file is named after the console process receiving it: a console killed while receiving or loading it
leaves it behind (people's names and numbers), and the next console on the same data folder deletes it when
it first opens the database.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.datastructures import FileStorage

from console.auth import sessions
from dialer.lists.importer import ListTerms, import_list, import_workers, register_import
from dialer.lists.rows import RowReader, detect_format
from dialer.lists.status import import_status, loader_tag
from tierdial.config import Config
from tierdial.errors import UserError
from tierdial.private_files import private_dir, private_open

log = logging.getLogger(__name__)
INLINE_BYTES = 1024 * 1024  # up to this size the report comes back in the response


@dataclass(frozen=True, slots=True)
class Accepted:
    import_id: int
    report: dict | None  # None: loading in the background


def accept_list(campaign: str, fields: Mapping[str, str], upload: FileStorage | None, body: IO[bytes],
                actor: str) -> Accepted:  # fmt: skip
    """Check the list's terms, save the file (from `upload`, else the stream `body`) and load it."""
    config: Config = current_app.config["TIERDIAL"]
    name = fields.get("name") or (upload.filename if upload else None) or "upload"
    terms = ListTerms(
        source=fields.get("source", ""),
        consent_basis=fields.get("consent_basis", ""),
        default_region=(fields.get("region") or config.campaign_defaults.default_region).upper(),
        name=name,
        imported_by=actor,
    )
    path = _upload_path(config.data_dir / "uploads")
    private_dir(path.parent)  # a list is people's names and numbers
    with private_open(path, "wb") as out:
        if upload:
            upload.save(out)
        else:
            while chunk := body.read(1 << 20):
                out.write(chunk)
    with path.open("rb") as head:
        fmt = fields.get("format") or detect_format(Path(name), head.read(4096))
    size = path.stat().st_size
    if size == 0:
        path.unlink()
        raise UserError("the list is empty: nothing was loaded")
    try:
        with sessions().begin() as session:
            job_id = register_import(session, campaign, name)
    except UserError:
        path.unlink()
        raise
    job = _Upload(path, name, fmt, terms, job_id)
    if size <= INLINE_BYTES:
        return Accepted(job_id, _load(sessions(), job))
    board = progress_board()
    board[job_id] = {"bytes_read": 0, "bytes_total": size}

    def advance(bytes_read: int) -> None:
        board[job_id] = {"bytes_read": bytes_read, "bytes_total": size}

    threading.Thread(target=_load_in_background, args=(sessions(), job, advance, board)).start()
    return Accepted(job_id, None)


def _upload_path(folder: Path) -> Path:
    _host, pid, started = loader_tag().split(":")
    return folder / f"{pid}-{started}-{uuid.uuid4().hex}.upload"


def sweep_uploads(folder: Path) -> int:
    """Delete the uploads whose console process is gone (killed while receiving or loading them); returns how many.
    The import of such a file, if it had begun, is marked failed by `dialer.lists.status`: nothing of it was kept."""
    swept = 0
    for path in folder.glob("*-*-*.upload"):
        pid, started, _ = path.name.split("-", 2)
        if pid.isdigit() and loader_tag(int(pid)).split(":")[1:] != [pid, started]:
            path.unlink(missing_ok=True)
            swept += 1
    if swept:
        log.warning("deleted %d call list uploads left by a console that stopped while receiving or loading them",
                    swept)  # fmt: skip
    return swept


def progress_board() -> dict[int, dict[str, int]]:
    """Bytes read by this console's background imports: the import's transaction keeps them from the database."""
    return current_app.extensions.setdefault("tierdial.import_progress", {})


def current_import_status(import_id: int) -> dict:
    """The import's status and report; while this console loads it, the bytes read so far."""
    # The board first: it loses an import's entry only after the import has written its end to the database.
    read = progress_board().get(import_id)
    with sessions().begin() as session:  # a read that may mark an interrupted import failed
        status = import_status(session, import_id)
    if status["status"] == "running" and read:
        status["progress"] = {**read, "percent": round(100 * read["bytes_read"] / max(1, read["bytes_total"]), 1)}
    return status


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
