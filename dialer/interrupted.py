"""Closing the attempts of a station that died mid-call.

Each attempt it held is closed with the outcome `interrupted` and its contact is
scheduled by the retry rules, as for any attempt: an answered call counts as an
attempt; one that no agent had taken is treated as abandoned (the callee may not have
heard who called), so it counts against the campaign's abandonment and waits the
abandoned retry time (at least 72 h); a tier already decided (a refusal) still closes
the contact. What was committed before the death (opt-outs, transcripts, tiers) stays.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from dialer.claims import release_all
from dialer.models import CallAttempt, CallOutcome, Campaign, Contact
from dialer.retry import after_attempt, retry_rules
from intent.history import last_final_tier
from tierdial import audit
from tierdial.config import RetryHours
from tierdial.db import utcnow

log = logging.getLogger(__name__)


def open_attempts(session: Session, station: str) -> list[str]:
    query = select(CallAttempt.call_id).where(
        CallAttempt.station == station, CallAttempt.outcome == CallOutcome.in_progress
    )
    return list(session.scalars(query))


def close_interrupted(session: Session, call_id: str, why: str, retry_defaults: RetryHours, now: dt.datetime) -> bool:
    """Close one attempt as interrupted, unless someone already closed it; True if this call closed it."""
    closed = session.execute(
        update(CallAttempt)
        .where(CallAttempt.call_id == call_id, CallAttempt.outcome == CallOutcome.in_progress)
        .values(outcome=CallOutcome.interrupted, ended_at=utcnow(), hangup_cause=why[:100])
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        return False  # another station recovering the same one got there first
    attempt = session.scalars(select(CallAttempt).where(CallAttempt.call_id == call_id)).one()
    contact = session.get(Contact, attempt.contact_id)
    campaign = session.get(Campaign, attempt.campaign_id)
    tier = last_final_tier(session, call_id) if attempt.answered_at else None
    attempt.final_tier = tier
    if attempt.answered_at is None:
        counted_as = "interrupted"  # never answered: retried as an unanswered call
    elif attempt.connected_at is None:
        counted_as = "abandoned"
    else:
        counted_as = "answered"
    reason = after_attempt(contact, campaign, counted_as, tier, now, retry_rules(campaign, retry_defaults))
    contact.last_outcome = CallOutcome.interrupted.value
    audit.record(session, "dialer", "attempt_interrupted", "call", call_id, campaign=campaign.id, why=why,
                 counted_as=counted_as, contact_closed=reason)  # fmt: skip
    return True


def recover_station(
    sessions: sessionmaker[Session], station: str, why: str, retry_defaults: RetryHours, now: dt.datetime
) -> int:
    """Close every open attempt of a dead station, each in its own transaction, then free its claims."""
    with sessions() as session:
        call_ids = open_attempts(session, station)
    closed = 0
    for call_id in call_ids:
        with sessions.begin() as session:
            closed += close_interrupted(session, call_id, why, retry_defaults, now)
    with sessions.begin() as session:
        released = release_all(session, station)
    if call_ids or released:
        log.warning("%s: %d calls closed as interrupted, %d contacts freed", why, closed, released)
    return closed
