"""The last look before a dial: the rules again, on the contact's current record, and its caller number.

The hopper already filtered; this check catches what changed since (an opt-out a moment
ago, a campaign's cap lowered, a number quarantined). A refusal is written to the audit
log with its reason, and the contact is left as it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from dialer.calling_window import why_not_now
from dialer.campaigns import calling_window, pause_campaigns
from dialer.dnc import is_blocked
from dialer.models import Campaign, CampaignStatus, Contact, ContactStatus
from dialer.retry import local_day
from number_pool.assignment import NoNumberOffered, number_for
from number_pool.models import NumberStatus
from tierdial import audit


@dataclass(frozen=True)
class DialPlan:
    caller_number: str | None  # None: refused
    refusal: str | None = None


def why_not_dial(session: Session, campaign: Campaign, contact: Contact, now: dt.datetime) -> str | None:
    zones = contact.timezone.split()
    if campaign.status is not CampaignStatus.running:
        return f"campaign is {campaign.status}"
    if contact.status is ContactStatus.closed:
        return "contact is closed"
    if is_blocked(session, contact.phone_e164, campaign.id):
        return "on a do-not-call list"
    if contact.attempts >= campaign.max_attempts_total:
        return f"attempt cap reached ({contact.attempts} of {campaign.max_attempts_total})"
    if contact.attempt_day == local_day(zones, now) and contact.day_attempts >= campaign.max_attempts_per_day:
        return f"daily attempt cap reached ({contact.day_attempts} of {campaign.max_attempts_per_day})"
    if contact.next_attempt_at is not None and contact.next_attempt_at > now:
        return f"not due before {contact.next_attempt_at:%Y-%m-%d %H:%M} UTC"
    return why_not_now(calling_window(campaign), contact.region, zones, now)


def plan_dial(session: Session, campaign: Campaign, contact: Contact, now: dt.datetime) -> DialPlan:
    """The caller number to present, or the reason not to dial (recorded in the audit log)."""
    refusal = why_not_dial(session, campaign, contact, now)
    if refusal is None:
        try:
            number = number_for(session, contact, campaign)
        except NoNumberOffered as exc:
            # Every later contact would be refused alike: the campaign waits for a person instead.
            pause_campaigns(session, {campaign.id}, str(exc), actor="dialer")
            refusal = str(exc)
        else:
            if number.status is NumberStatus.active:
                return DialPlan(number.e164)
            refusal = f"the contact's caller number is {number.status}; no other number is shown to a contact"
    audit.record(session, "dialer", "dial_refused", "contact", str(contact.id), campaign=campaign.id, reason=refusal)
    return DialPlan(None, refusal)
