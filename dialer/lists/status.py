"""An import's progress and report, for `tierdial lists status` and the REST API."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dialer.models import ListImport
from tierdial.errors import NotFound


def import_status(session: Session, import_id: int) -> dict:
    job = session.get(ListImport, import_id)
    if job is None:
        raise NotFound(f"no list import {import_id}")
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
