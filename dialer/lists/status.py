"""An import's progress and report, for `tierdial lists status` and the REST API.

An import is one transaction run by one process. If that process dies (the console
restarted during an API upload, a killed command), nothing of the file was kept, and
the import is marked failed the next time anyone looks, instead of "running" for good.
A loader on this host is looked up by its process; one on another host is known alive
by the PostgreSQL advisory lock its load transaction holds, which the database lets go
the moment that transaction ends, however its process ended.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.models import ImportStatus, ListImport
from tierdial.db import on_postgresql, utcnow
from tierdial.errors import NotFound

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted: the process loading it stopped before the end; nothing of the file was kept"
# The key space of imports' advisory locks (PostgreSQL's two-key form: this, then the import's id).
IMPORT_LOCKS = 0x74646C69
# A loader takes its lock a moment after the import is registered (the console's upload thread starting): an
# unlocked import younger than this may be one whose loader has not begun yet.
LOCK_GRACE = dt.timedelta(seconds=30)


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


def hold_import(session: Session, import_id: int) -> None:
    """Called first in the load's transaction: while it lasts, nodes elsewhere know the loader is alive."""
    if on_postgresql(session):
        session.execute(select(func.pg_advisory_xact_lock(IMPORT_LOCKS, import_id)))


def _loader_is_gone(session: Session, job: ListImport) -> bool:
    host, _, rest = (job.loader or "").partition(":")
    pid = rest.partition(":")[0]
    if host == socket.gethostname() and pid.isdigit():
        return loader_tag(int(pid)) != job.loader
    if not on_postgresql(session) or utcnow() - job.started_at < LOCK_GRACE:
        return False
    # Taken only if no loader holds it; held to the end of this transaction, which a loader never needs again.
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(IMPORT_LOCKS, job.id))))


def mark_interrupted(session: Session) -> int:
    """Imports left running by a process that no longer exists are marked failed."""
    running = session.scalars(select(ListImport).where(ListImport.status == ImportStatus.running))
    gone = [job for job in running if _loader_is_gone(session, job)]
    for job in gone:
        job.status, job.error, job.loaded = ImportStatus.failed, INTERRUPTED, 0
        job.finished_at = dt.datetime.now(dt.UTC)
        log.warning("list import %d was interrupted; marked failed", job.id, extra={"campaign": job.campaign_id})
    return len(gone)


def import_status(session: Session, import_id: int) -> dict:
    job = session.get(ListImport, import_id)
    if job is None:
        raise NotFound(f"no list import {import_id}")
    if job.status is ImportStatus.running and _loader_is_gone(session, job):
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
