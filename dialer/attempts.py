"""Call attempts as scripts read them: a page at a time, oldest first, resumable from the last id seen."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from dialer.callbacks import callee_zone
from dialer.campaigns import find_campaign
from dialer.models import CallAttempt, Campaign, Contact
from tierdial.db import iso
from tierdial.errors import NotFound
from tierdial.logs import mask_number

MAX_PAGE = 500


def attempt_record(attempt: CallAttempt, campaign: str, phone: str) -> dict[str, object]:
    return {
        "id": attempt.id,
        "call_id": attempt.call_id,
        "campaign": campaign,
        "contact_id": attempt.contact_id,
        "phone": phone,
        "caller_number": attempt.caller_number,
        "started_at": iso(attempt.started_at),
        "answered_at": iso(attempt.answered_at),
        "ended_at": iso(attempt.ended_at),
        "outcome": attempt.outcome.value,
        "hangup_cause": attempt.hangup_cause,
        "final_tier": attempt.final_tier,
        "agent": attempt.agent_name,
        "disposition": attempt.disposition,
        "notes": attempt.notes,
    }


def _joined() -> Select:
    """Attempts with what a reader needs beside them: the campaign's name and the number dialled."""
    return (
        select(CallAttempt, Campaign.name, Contact.phone_e164)
        .join(Campaign, Campaign.id == CallAttempt.campaign_id)
        .join(Contact, Contact.id == CallAttempt.contact_id)
    )


def _of_campaign(session: Session, campaign: str | None) -> Select:
    query = _joined()
    return query.where(CallAttempt.campaign_id == find_campaign(session, campaign).id) if campaign else query


def _records(session: Session, query: Select) -> list[dict[str, object]]:
    return [attempt_record(attempt, name, phone) for attempt, name, phone in session.execute(query)]


def attempts_page(session: Session, campaign: str | None, after_id: int, limit: int) -> list[dict[str, object]]:
    """Up to `limit` attempts with an id above `after_id` (of one campaign, if named)."""
    query = _of_campaign(session, campaign).where(CallAttempt.id > after_id).order_by(CallAttempt.id)
    return _records(session, query.limit(min(max(limit, 1), MAX_PAGE)))


def attempt_by_call(session: Session, call_id: str) -> dict[str, object]:
    found = _records(session, _joined().where(CallAttempt.call_id == call_id))
    if not found:
        raise NotFound(f"no call {call_id!r}")
    return found[0]


def contact_of_call(session: Session, call_id: str, now: dt.datetime) -> dict[str, object]:
    """Who is on a call, for the agent's card: name, masked number, time zone and time there at `now`, and the
    contact's earlier calls."""
    attempt = session.scalar(select(CallAttempt).where(CallAttempt.call_id == call_id))
    if attempt is None:
        raise NotFound(f"no call {call_id!r}")
    contact = session.get_one(Contact, attempt.contact_id)
    earlier = session.scalars(
        select(CallAttempt)
        .where(CallAttempt.contact_id == contact.id, CallAttempt.id != attempt.id)
        .order_by(CallAttempt.id.desc())
        .limit(20)
    )
    return {
        "call_id": call_id,
        "name": contact.name,
        "phone": mask_number(contact.phone_e164),
        "timezone": callee_zone(contact.timezone).key,
        "local_time": now.astimezone(callee_zone(contact.timezone)).isoformat(timespec="minutes"),
        "history": [
            {"started_at": iso(a.started_at), "outcome": a.outcome.value, "final_tier": a.final_tier,
             "agent": a.agent_name, "disposition": a.disposition, "notes": a.notes}
            for a in earlier
        ],
    }  # fmt: skip


def recent_attempts(session: Session, campaign: str | None, limit: int = 200) -> list[dict[str, object]]:
    """The newest attempts first, for people reviewing calls."""
    query = _of_campaign(session, campaign).order_by(CallAttempt.id.desc())
    return _records(session, query.limit(min(max(limit, 1), MAX_PAGE)))


def station_holding(session: Session, call_id: str) -> str | None:
    """The station instance holding a call in progress; None if the call is over or unknown."""
    query = select(CallAttempt.station).where(CallAttempt.call_id == call_id, CallAttempt.outcome == "in_progress")
    return session.scalar(query)
