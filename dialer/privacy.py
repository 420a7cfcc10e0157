"""A contact's data on request: everything held about a number, exported; or erased.

Erasure deletes the contacts, their attempts, transcripts, tier history, recordings and
caller-number assignments in every campaign. What must outlive it stays, without the number: each
do-not-call entry becomes the number's hash (so the number is still never called), and
the audit log keeps its records, which name contacts by id and numbers by hash.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from asr.transcripts import erase_transcripts, transcript_of
from dialer.dnc import number_hash
from dialer.lists.numbers import parse_number
from dialer.models import CallAttempt, CallList, Contact, DoNotCall
from dialer.recordings import erase_recordings
from intent.history import erase_history, tier_history
from number_pool.assignment import forget_contacts
from tierdial import audit
from tierdial.audit import AuditEntry
from tierdial.db import iso
from tierdial.errors import UserError


def _list_terms(call_list: CallList | None) -> dict | None:
    """Where the contact came from and the lawful basis it is called on: the consent record of its list."""
    if call_list is None:
        return None
    return {"id": call_list.id, "name": call_list.name, "source": call_list.source,
            "consent_basis": call_list.consent_basis, "imported_by": call_list.imported_by,
            "imported_at": iso(call_list.imported_at)}  # fmt: skip


def export_contact(session: Session, raw_number: str, default_region: str) -> dict:
    phone = parse_number(raw_number, default_region)
    contacts = list(session.scalars(select(Contact).where(Contact.phone_e164 == phone).order_by(Contact.id)))
    ids = [c.id for c in contacts]
    attempts = list(
        session.scalars(select(CallAttempt).where(CallAttempt.contact_id.in_(ids)).order_by(CallAttempt.id))
    )
    hashed = number_hash(phone)
    dnc = session.scalars(select(DoNotCall).where(DoNotCall.phone_e164.in_([phone, hashed])))
    list_ids = sorted({str(c.list_id) for c in contacts})
    trail = session.scalars(
        select(AuditEntry)
        .where(or_(
            (AuditEntry.subject_type == "contact") & AuditEntry.subject_id.in_([str(i) for i in ids]),
            (AuditEntry.subject_type == "phone") & (AuditEntry.subject_id == hashed),
            # the import that brought the contact in: its source and consent basis, who loaded it and when
            (AuditEntry.subject_type == "list") & AuditEntry.subject_id.in_(list_ids),
        ))
        .order_by(AuditEntry.id)
    )  # fmt: skip
    return {
        "phone": phone,
        "contacts": [
            {
                "id": c.id,
                "campaign_id": c.campaign_id,
                "list": _list_terms(session.get(CallList, c.list_id)),
                "name": c.name,
                "status": c.status.value,
                "attempts": c.attempts,
                "consent_evidence": c.consent_evidence,
                "added_at": iso(c.created_at),
            }
            for c in contacts
        ],
        "calls": [
            {
                "call_id": a.call_id,
                "campaign_id": a.campaign_id,
                "caller_number": a.caller_number,
                "started_at": iso(a.started_at),
                "ended_at": iso(a.ended_at),
                "outcome": a.outcome.value,
                "final_tier": a.final_tier,
                "disposition": a.disposition,
                "notes": a.notes,
                "transcript": [
                    {"speaker": t.speaker, "text": t.text, "start_ms": t.start_ms}
                    for t in transcript_of(session, a.call_id)
                ],
                "tiers": [
                    {"tier": d.tier, "confidence": d.confidence, "evidence": d.evidence, "final": d.is_final}
                    for d in tier_history(session, a.call_id)
                ],
            }
            for a in attempts
        ],
        "do_not_call": [{"scope": d.scope.value, "reason": d.reason, "since": iso(d.created_at)} for d in dnc],
        "audit": [{"at": iso(e.at), "actor": e.actor, "action": e.action, "detail": e.detail} for e in trail],
    }


def erase_contact(
    session: Session, raw_number: str, default_region: str, actor: str, reason: str, recordings: Path | None = None
) -> dict[str, int]:
    """Erase everything held about the number but its do-not-call entries, which are kept as its hash."""
    if not reason.strip():
        raise UserError("say why the contact's data is erased (--reason), e.g. the request's reference")
    phone = parse_number(raw_number, default_region)
    ids = list(session.scalars(select(Contact.id).where(Contact.phone_e164 == phone)))
    call_ids = list(session.scalars(select(CallAttempt.call_id).where(CallAttempt.contact_id.in_(ids))))
    hashed = number_hash(phone)
    kept = 0
    for entry in session.scalars(select(DoNotCall).where(DoNotCall.phone_e164 == phone)):
        entry.phone_e164, kept = hashed, kept + 1
    counts = {
        "transcript_segments": erase_transcripts(session, call_ids),
        "tier_decisions": erase_history(session, call_ids),
        "calls": session.execute(delete(CallAttempt).where(CallAttempt.call_id.in_(call_ids))).rowcount,
        "recordings": erase_recordings(recordings, call_ids),
    }
    forget_contacts(session, ids)
    counts["contacts"] = session.execute(delete(Contact).where(Contact.id.in_(ids))).rowcount
    counts["do_not_call_kept_as_hash"] = kept
    audit.record(session, actor, "contact_erased", "phone", hashed, reason=reason, contact_ids=ids, **counts)
    return counts
