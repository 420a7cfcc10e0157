"""Claims on contacts: a station claims a contact before it dials it, so no other station dials it meanwhile.

A claim is a compare-and-set on the contact's row, atomic on SQLite and PostgreSQL alike.
It is released in the transaction that closes the attempt, or, when its station died,
by the station that recovers the dead one's calls (`station.recovery`).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from dialer.models import Contact


def claim(session: Session, contact_id: int, holder: str) -> bool:
    """Claim the contact for `holder`; False if another station holds it."""
    result = session.execute(
        update(Contact).where(Contact.id == contact_id, Contact.claimed_by.is_(None)).values(claimed_by=holder)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def release(session: Session, contact_id: int, holder: str) -> None:
    session.execute(
        update(Contact).where(Contact.id == contact_id, Contact.claimed_by == holder).values(claimed_by=None)
    )


def release_all(session: Session, holder: str) -> int:
    """Every claim of `holder` (a station that died, once its calls are closed); returns how many."""
    result = session.execute(update(Contact).where(Contact.claimed_by == holder).values(claimed_by=None))
    return result.rowcount  # type: ignore[attr-defined]
