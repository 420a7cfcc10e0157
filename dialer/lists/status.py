"""An import's progress and report, for `tierdial lists status` and the REST API.

An import is one transaction run by one process. If that process dies (the console
restarted during an API upload, a killed command), nothing of the file was kept, and
the import is marked failed the next time anyone looks, instead of "running" for good.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.models import ImportStatus, ListImport
from tierdial.errors import NotFound

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted: the process loading it stopped before the end; nothing of the file was kept"


def loader_tag(pid: int | None = None) -> str:
    """This host, the process and when it started: a pid the system reuses later is not taken for the loader."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{_started(pid)}"


def _started(pid: int) -> str:
    try:
        # Field 22 of /proc/PID/stat, counted after the command name, which may itself hold spaces.
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "gone"


def _loader_is_gone(loader: str | None) -> bool:
    host, _, rest = (loader or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another node's import: only that node can tell
    return loader_tag(int(pid)) != loader


def mark_interrupted(session: Session) -> int:
    """Imports left running by a process of this host that no longer exists are marked failed."""
    running = session.scalars(select(ListImport).where(ListImport.status == ImportStatus.running))
    gone = [job for job in running if _loader_is_gone(job.loader)]
    for job in gone:
        job.status, job.error, job.loaded = ImportStatus.failed, INTERRUPTED, 0
        job.finished_at = dt.datetime.now(dt.UTC)
        log.warning("list import %d was interrupted; marked failed", job.id, extra={"campaign": job.campaign_id})
    return len(gone)


def import_status(session: Session, import_id: int) -> dict:
    job = session.get(ListImport, import_id)
    if job is None:
        raise NotFound(f"no list import {import_id}")
    if job.status is ImportStatus.running and _loader_is_gone(job.loader):
        mark_interrupted(session)
    return {
        "id": job.id,
        "campaign_id": job.campaign_id,
        "list_id": job.list_id,
        "file": job.file_name,
        "status": job.status.value,
        "rows_read": job.rows_read,
        "loaded": job.loaded,
        "rejected": job.rejected,
        "report": job.report,
        "error": job.error,
        "started_at": job.started_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
