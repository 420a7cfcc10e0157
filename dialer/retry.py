"""What an attempt's outcome means for the contact's next one: retry delays and attempt caps.

The daily cap is kept by scheduling: a contact that has had its attempts for the day is
not due again before the next local midnight, so the hopper only checks one time.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dialer.models import Campaign, Contact, ContactStatus
from tierdial.config import RetryHours

CLOSING_TIERS = ("D", "E")  # declined, opted out: never called again by this campaign


def local_day(zones: list[str], now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(zones[0])).date() if zones else now.date()


def next_local_midnight(zones: list[str], now: dt.datetime) -> dt.datetime:
    """The first moment when it is a new day in every zone the number may be in."""
    midnights = []
    for zone in zones or ["UTC"]:
        local = now.astimezone(ZoneInfo(zone))
        tomorrow = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo(zone))
        midnights.append(tomorrow.astimezone(dt.UTC))
    return max(midnights)


def retry_rules(campaign: Campaign, configured: RetryHours) -> RetryHours:
    """The campaign's own retry rules, else the configured ones."""
    return RetryHours.model_validate(campaign.retry_hours) if campaign.retry_hours else configured


def retry_delay(outcome: str, retry: RetryHours) -> dt.timedelta:
    hours = {
        "answered": retry.answered,
        "busy": retry.busy,
        "machine": retry.machine,
        "abandoned": retry.abandoned,
    }.get(outcome, retry.no_answer)
    return dt.timedelta(hours=hours)


def after_attempt(
    contact: Contact,
    campaign: Campaign,
    outcome: str,
    tier: str | None,
    now: dt.datetime,
    retry: RetryHours,
    wrong_number: bool = False,
    counted: bool = False,
) -> str | None:
    """Count the attempt and decide when, if ever, the contact is due again; returns why it closed, if it did.

    `wrong_number`: the callee said the number is not the contact's; it is removed, not tried again. `counted`: the
    attempt was counted already (closed as interrupted by a station that took its station for dead), and only when
    the contact is due again is decided anew, from how the call really ended.
    """
    zones = contact.timezone.split()
    if not counted:
        today = local_day(zones, now)
        if contact.attempt_day == today:
            contact.day_attempts += 1
        else:
            contact.attempt_day, contact.day_attempts = today, 1
        contact.attempts += 1
    contact.last_outcome = outcome
    if contact.status is ContactStatus.closed:
        return None  # an agent's disposition during the call (not interested, do not call) closed it already
    booked = contact.status is ContactStatus.callback and contact.next_attempt_at and contact.next_attempt_at > now
    callback = contact.next_attempt_at if booked else None
    if wrong_number or contact.attempts >= campaign.max_attempts_total or (tier in CLOSING_TIERS and callback is None):
        contact.status, contact.next_attempt_at = ContactStatus.closed, None
        if wrong_number:
            return "wrong number"
        if tier in CLOSING_TIERS and callback is None:
            return "declined" if tier == "D" else "opted out"
        return f"attempt cap reached ({contact.attempts} of {campaign.max_attempts_total})"
    # A callback the agent booked replaces the retry delay, but not the daily cap.
    due = callback or now + retry_delay(outcome, retry)
    if contact.day_attempts >= campaign.max_attempts_per_day:
        due = max(due, next_local_midnight(zones, now))
    contact.status = ContactStatus.callback if callback else ContactStatus.scheduled
    contact.next_attempt_at = due
    return None
