"""Wrap-up: how a call ended and the agent's (or a script's) disposition of it, and what each means for the contact:
a callback booked, a retry scheduled, the contact closed.

It needs only the database: the station holding the call records its end, any console node records a disposition.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dialer.callbacks import callback_moment, callee_zone
from dialer.dnc import add_opt_out
from dialer.live_calls import CallCommandError, LiveCall
from dialer.models import CallAttempt, CallOutcome, Campaign, Contact, ContactStatus, Disposition
from dialer.retry import after_attempt, retry_rules
from intent.asked_time import asked_time
from intent.rules import is_wrong_number
from intent.tiers import HOT_TIERS
from tierdial import audit
from tierdial.config import CampaignDefaults
from tierdial.db import utcnow
from tierdial.errors import UserError

log = logging.getLogger(__name__)
OPT_OUT_REASON = "opt-out during call"  # the do-not-call entry of an opt-out heard on a call
AGENT_OPT_OUT_REASON = "marked do-not-call by an agent"


def chosen_disposition(disposition: str, callback_at: str | None) -> Disposition:
    """The disposition asked for, checked as far as it can be without the database (the callback time's zone is
    the contact's)."""
    try:
        chosen = Disposition(disposition)
    except ValueError:
        allowed = ", ".join(d.value for d in Disposition)
        raise CallCommandError(400, f"disposition must be one of {allowed}") from None
    if chosen is Disposition.callback and callback_at:
        try:
            named = dt.datetime.fromisoformat(callback_at)
        except ValueError:
            named = None
        if named is None or named.tzinfo is not None:
            raise CallCommandError(400, f"callback_at: a time on the callee's clock like 2026-11-24T15:30 "
                                        f"(got {callback_at[:40]!r})")  # fmt: skip
    return chosen


def record_disposition(
    session: Session,
    call_id: str,
    chosen: Disposition,
    notes: str,
    by: str,
    callback_at: str | None,
    now: dt.datetime,
) -> None:
    """Record the wrap-up; "do_not_call" puts the number on the list at once. A callback may name a time on the
    callee's clock (`2026-11-24T15:30`); else it is a day later. `now` is the dialer's clock."""
    attempt = session.query(CallAttempt).filter_by(call_id=call_id).one_or_none()
    if attempt is None:
        raise CallCommandError(404, f"no call {call_id}")
    attempt.disposition, attempt.notes = chosen.value, notes[:5000] or None
    attempt.wrapped_at = attempt.wrapped_at or utcnow()
    contact = session.get(Contact, attempt.contact_id)
    if chosen is Disposition.do_not_call:
        add_opt_out(session, contact.phone_e164, AGENT_OPT_OUT_REASON, f"{by}, call {call_id}")
    if chosen is Disposition.callback:
        contact.status = ContactStatus.callback
        contact.next_attempt_at = now + dt.timedelta(days=1)
        if callback_at:
            try:
                contact.next_attempt_at = callback_moment(callback_at, contact.timezone, now)
            except UserError as exc:
                raise CallCommandError(400, str(exc)) from None
    elif chosen is not Disposition.other:
        contact.status, contact.next_attempt_at = ContactStatus.closed, None


def dispose(
    sessions: sessionmaker[Session],
    call_id: str,
    chosen: Disposition,
    notes: str,
    by: str,
    callback_at: str | None,
    now: dt.datetime,
) -> None:
    """Record the wrap-up of a call in a transaction of its own (see `record_disposition`); `chosen` comes from
    `chosen_disposition`."""
    with sessions.begin() as session:
        record_disposition(session, call_id, chosen, notes, by, callback_at, now)
    log.info("disposition %s by %s", chosen.value, by, extra={"call_id": call_id})


def record_end(
    session: Session,
    call: LiveCall,
    outcome: str,
    tier: str | None,
    hangup_cause: str,
    station_id: str,
    defaults: CampaignDefaults,
    now: dt.datetime,
) -> None:
    """Store how a call ended, as the dialer sees it (`tier`: the final one, None unless a person answered), and
    what it means for the contact. `now` is the dialer's clock."""
    attempt = session.query(CallAttempt).filter_by(call_id=call.call_id).one()
    # Closed as interrupted by a station that took this one for dead while it could not write (cut off from the
    # database, not stopped): this is the true account. The attempt was counted then; it is not counted again.
    recovered = attempt.outcome is CallOutcome.interrupted
    attempt.outcome = CallOutcome(outcome)
    attempt.hangup_cause = hangup_cause.strip()[:100]
    attempt.answered_at, attempt.ended_at = call.answered_on, utcnow()
    # An opt-out heard after the end may be written first (held opt-outs go first): it stays the call's final word.
    attempt.final_tier = "E" if attempt.final_tier == "E" else tier
    contact = session.get(Contact, call.contact_id)
    if recovered:
        audit.record(session, "dialer", "interrupted_attempt_corrected", "call", call.call_id,
                     campaign=contact.campaign_id, outcome=outcome, tier=tier)  # fmt: skip
        if not _latest_attempt(session, contact, attempt):
            return  # dialled again since: that attempt decides when the contact is due
    if contact.claimed_by == station_id:
        contact.claimed_by = None  # with the outcome, in one transaction: served again only once it is closed
    campaign = session.get(Campaign, contact.campaign_id)
    retry = retry_rules(campaign, defaults.retry_hours)
    if tier in HOT_TIERS and not call.taken_over_by and contact.status is not ContactStatus.closed:
        _book_hot_callback(session, contact, call, now + dt.timedelta(minutes=defaults.hot_callback_minutes))
    elif tier == "C" and not call.taken_over_by:
        _book_asked_callback(session, contact, call, now)
    wrong_number = tier == "F" and is_wrong_number(call.final_text)
    closed = after_attempt(contact, campaign, str(outcome), tier, now, retry, wrong_number, counted=recovered)
    if closed:
        audit.record(session, "dialer", "contact_closed", "contact", str(contact.id), campaign=campaign.id,
                     reason=closed, call_id=call.call_id)  # fmt: skip


def _latest_attempt(session: Session, contact: Contact, attempt: CallAttempt) -> bool:
    """Whether no station holds the contact now and no later attempt was made of it."""
    latest = session.scalar(select(func.max(CallAttempt.id)).where(CallAttempt.contact_id == contact.id))
    return contact.claimed_by is None and latest == attempt.id


def _book_hot_callback(session: Session, contact: Contact, call: LiveCall, due: dt.datetime) -> None:
    """A hot lead no agent took: the bot promised a call back, or they hung up waiting. Called back soon."""
    contact.status, contact.next_attempt_at = ContactStatus.callback, due
    audit.record(session, "dialer", "hot_lead_callback", "contact", str(contact.id), campaign=contact.campaign_id,
                 call_id=call.call_id, due=due.isoformat())  # fmt: skip


def _book_asked_callback(session: Session, contact: Contact, call: LiveCall, now: dt.datetime) -> None:
    """Tier C with a time named ("내일 오후 세 시에"): called back then, on the callee's clock; else the retry
    rules decide."""
    asked = asked_time(call.final_text, now.astimezone(callee_zone(contact.timezone)))
    if asked is None:
        return
    contact.status, contact.next_attempt_at = ContactStatus.callback, asked.astimezone(dt.UTC)
    audit.record(session, "dialer", "callback_asked", "contact", str(contact.id), campaign=contact.campaign_id,
                 call_id=call.call_id, due=contact.next_attempt_at.isoformat())  # fmt: skip


def record_late_opt_out(session: Session, call: LiveCall) -> None:
    """An opt-out heard after the call had ended (its last words, recognised a moment later): the number goes on the
    do-not-call list, the attempt's final tier becomes E and the contact closes, as if heard on the call."""
    add_opt_out(session, call.phone, OPT_OUT_REASON, f"call {call.call_id}, heard after it ended")
    session.query(CallAttempt).filter_by(call_id=call.call_id).update({"final_tier": "E"})
    contact = session.get(Contact, call.contact_id)
    if contact is not None and contact.status is not ContactStatus.closed:  # None: its list deleted meanwhile
        contact.status, contact.next_attempt_at = ContactStatus.closed, None
        audit.record(session, "dialer", "contact_closed", "contact", str(contact.id), campaign=contact.campaign_id,
                     reason="opted out", call_id=call.call_id)  # fmt: skip
