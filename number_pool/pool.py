"""The owned numbers, kept in step with config.yaml: the configuration says which numbers exist.

An active number taken out of the configuration is retired, not deleted: its contacts keep it as
their number (and are not called from another), and its reputation history is kept.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from number_pool.models import CallerNumber, NumberStatus
from tierdial import audit, config


def sync_numbers(session: Session, configured: list[config.CallerNumber]) -> None:
    known = {n.e164: n for n in session.scalars(select(CallerNumber))}
    for entry in configured:
        number = known.pop(entry.number, None)
        if number is None:
            number = CallerNumber(e164=entry.number, status=NumberStatus.active)
            session.add(number)
            audit.record(session, "config", "number_added", "caller_number", entry.number)
        elif number.status is NumberStatus.retired:
            number.status = NumberStatus.active
            audit.record(session, "config", "number_restored", "caller_number", entry.number)
        number.trunk, number.region, number.display_name = entry.trunk, entry.region, entry.display_name
        number.verified_owned, number.attestation = entry.owned, entry.attestation
    for number in known.values():
        # A quarantined number stays quarantined: leaving config.yaml and coming back is no review.
        if number.status is NumberStatus.active:
            number.status = NumberStatus.retired
            audit.record(session, "config", "number_retired", "caller_number", number.e164)
    session.flush()
