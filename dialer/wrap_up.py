"""Wrap-up: the agent's (or a script's) disposition of a call, live or ended, and what it means for the contact.

It needs only the database, so any console node records it, whichever station held the call.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session, sessionmaker

from dialer.callbacks import callback_moment
from dialer.dnc import add_opt_out
from dialer.live_calls import CallCommandError
from dialer.models import CallAttempt, Contact, ContactStatus, Disposition
from tierdial.db import utcnow
from tierdial.errors import UserError

log = logging.getLogger(__name__)


def dispose(
    sessions: sessionmaker[Session],
    call_id: str,
    disposition: str,
    notes: str,
    by: str,
    callback_at: str | None,
    now: dt.datetime,
) -> None:
    """Record the wrap-up; "do_not_call" puts the number on the list at once. A callback may name a time on the
    callee's clock (`2026-11-24T15:30`); else it is a day later. `now` is the dialer's clock."""
    try:
        chosen = Disposition(disposition)
    except ValueError:
        allowed = ", ".join(d.value for d in Disposition)
        raise CallCommandError(400, f"disposition must be one of {allowed}") from None
    with sessions.begin() as session:
        attempt = session.query(CallAttempt).filter_by(call_id=call_id).one_or_none()
        if attempt is None:
            raise CallCommandError(404, f"no call {call_id}")
        attempt.disposition, attempt.notes = chosen.value, notes[:5000] or None
        attempt.wrapped_at = attempt.wrapped_at or utcnow()
        contact = session.get(Contact, attempt.contact_id)
        if chosen is Disposition.do_not_call:
            add_opt_out(session, contact.phone_e164, "marked do-not-call by an agent", f"{by}, call {call_id}")
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
    log.info("disposition %s by %s", chosen.value, by, extra={"call_id": call_id})
