"""Which owned number a contact sees: chosen once, on the first dial, and kept for good. No rotation."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from number_pool.campaign_numbers import offered_numbers
from number_pool.models import CallerNumber, NumberAssignment
from tierdial.errors import UserError


class NoNumberOffered(UserError):
    """A new contact cannot be given a number: none the campaign offers is active."""


class Callee(Protocol):
    """What the assignment reads of a contact (the dialer's `Contact`)."""

    id: int
    phone_e164: str
    region: str


class OfferingCampaign(Protocol):
    """What the assignment reads of the contact's campaign (the dialer's `Campaign`)."""

    id: int
    local_presence: bool


def stable_pick(phone_e164: str, numbers: Sequence[CallerNumber]) -> CallerNumber:
    """A pick that depends only on the contact's number and the numbers offered, never on time or labels."""
    if not numbers:
        raise NoNumberOffered("no caller number of the campaign is in use; choose its numbers or release one")
    ordered = sorted(numbers, key=lambda n: n.e164)
    digest = int.from_bytes(hashlib.sha256(phone_e164.encode()).digest()[:8], "big")
    return ordered[digest % len(ordered)]


def number_for(session: Session, contact: Callee, campaign: OfferingCampaign) -> CallerNumber:
    """The contact's number: the one assigned before, whatever its state since, or a new assignment.

    A quarantined or retired number stays the contact's number; the dialer then refuses to
    call rather than show the contact a different one.
    """
    assigned = session.scalar(
        select(CallerNumber)
        .join(NumberAssignment, NumberAssignment.caller_number_id == CallerNumber.id)
        .where(NumberAssignment.contact_id == contact.id)
    )
    if assigned is not None:
        return assigned
    offered = offered_numbers(session, campaign.id)
    local = [n for n in offered if n.region == contact.region]
    chosen = stable_pick(contact.phone_e164, local if campaign.local_presence and local else offered)
    session.add(NumberAssignment(contact_id=contact.id, campaign_id=campaign.id, caller_number_id=chosen.id))
    session.flush()
    return chosen


def forget_contacts(session: Session, contact_ids: list[int]) -> None:
    """Drop the assignments of erased contacts (the numbers' reputation history stays)."""
    session.execute(delete(NumberAssignment).where(NumberAssignment.contact_id.in_(contact_ids)))
