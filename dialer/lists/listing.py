"""The lists a campaign dials and the latest imports: what a supervisor checks before starting a campaign."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.models import CallList, Campaign, Contact, ListImport


def list_summaries(session: Session, campaign_id: int | None = None) -> list[dict[str, object]]:
    """Each list with its source, consent basis and contacts by status, newest first."""
    query = select(CallList, Campaign.name).join(Campaign).order_by(CallList.id.desc())
    if campaign_id is not None:
        query = query.where(CallList.campaign_id == campaign_id)
    lists = session.execute(query).all()
    counts: dict[int, dict[str, int]] = {}
    by_status = select(Contact.list_id, Contact.status, func.count()).group_by(Contact.list_id, Contact.status)
    for list_id, status, count in session.execute(by_status.where(Contact.list_id.in_([c.id for c, _ in lists]))):
        counts.setdefault(list_id, {})[status.value] = count
    return [
        {"id": c.id, "name": c.name, "campaign": campaign, "source": c.source, "consent_basis": c.consent_basis,
         "region": c.default_region, "imported_at": c.imported_at.isoformat(), "imported_by": c.imported_by,
         "contacts": sum(counts.get(c.id, {}).values()), "by_status": counts.get(c.id, {})}
        for c, campaign in lists
    ]  # fmt: skip


def recent_imports(session: Session, limit: int = 20) -> list[dict[str, object]]:
    rows = session.execute(
        select(ListImport, Campaign.name).join(Campaign).order_by(ListImport.id.desc()).limit(limit)
    ).all()
    return [
        {"id": job.id, "campaign": campaign, "file": job.file_name, "status": job.status.value,
         "rows_read": job.rows_read, "loaded": job.loaded, "rejected": job.rejected,
         "started_at": job.started_at.isoformat()}
        for job, campaign in rows
    ]  # fmt: skip
