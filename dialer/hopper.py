"""Who may be called now: callable contacts of a campaign, in the order the dialer should take them.

A contact is served only if it is on no do-not-call list (the campaign's, the internal
one, a registry number or prefix), it is inside its local calling window in every zone
the number may be in, it is under the campaign's attempt caps, its retry time has come
and it is not already in a call (claimed by a station). Order: callbacks due, then new contacts, then retries.

Each class is one indexed query that stops at `limit`, so a campaign of a million
contacts costs the same as one of a hundred. Time zones are opened in Python once per
call from the campaign's few (region, zones) pairs, never per contact.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from dialer.calling_window import why_not_now
from dialer.campaigns import calling_window
from dialer.dnc import applies_to, is_prefix
from dialer.models import Campaign, CampaignZone, Contact, ContactStatus, DoNotCall


def open_zones(session: Session, campaign: Campaign, now: dt.datetime) -> ColumnElement[bool]:
    """A condition true for contacts whose every time zone is inside the campaign's window now."""
    window = calling_window(campaign)
    by_region: dict[str, list[str]] = defaultdict(list)
    for region, zones in session.execute(
        select(CampaignZone.region, CampaignZone.timezone).where(CampaignZone.campaign_id == campaign.id)
    ):
        if why_not_now(window, region, zones.split(), now) is None:
            by_region[region].append(zones)
    if not by_region:
        return false()
    return or_(*(and_(Contact.region == r, Contact.timezone.in_(z)) for r, z in by_region.items()))


def not_blocked(campaign_id: int) -> ColumnElement[bool]:
    """No do-not-call entry (exact number, or registry prefix) applies to the contact in this campaign."""
    prefix = aliased(DoNotCall)
    number_listed = exists().where(DoNotCall.phone_e164 == Contact.phone_e164, applies_to(campaign_id))
    prefix_listed = exists().where(
        is_prefix(prefix),
        func.substr(Contact.phone_e164, 1, func.length(prefix.phone_e164) - 1) == func.substr(prefix.phone_e164, 2),
    )
    return and_(~number_listed, ~prefix_listed)


def next_callable(
    session: Session,
    campaign: Campaign,
    *,
    now: dt.datetime,
    in_flight: Collection[int] = (),
    limit: int = 10,
) -> list[Contact]:
    common = and_(
        Contact.campaign_id == campaign.id,
        Contact.attempts < campaign.max_attempts_total,
        Contact.id.not_in(list(in_flight)),
        Contact.claimed_by.is_(None),  # a station is dialling it (this one or another)
        open_zones(session, campaign, now),
        not_blocked(campaign.id),
    )
    due = Contact.next_attempt_at <= now
    chosen: list[Contact] = []
    for status, when in (
        (ContactStatus.callback, due),
        (ContactStatus.new, or_(Contact.next_attempt_at.is_(None), due)),
        (ContactStatus.scheduled, due),
    ):
        if len(chosen) >= limit:
            break
        query = (
            select(Contact)
            .where(Contact.status == status, when, common)
            .order_by(Contact.next_attempt_at, Contact.id)  # the hopper index's own order: no sort
            .limit(limit - len(chosen))
        )
        chosen.extend(session.scalars(query))
    return chosen


def closed_window(session: Session, campaign: Campaign, now: dt.datetime) -> str | None:
    """When contacts are left to call and the calling window keeps them waiting now, why (the first zone's reason,
    as the dial check words it); None when the window keeps nobody waiting."""
    window = calling_window(campaign)
    for region, zones in session.execute(
        select(CampaignZone.region, CampaignZone.timezone).where(CampaignZone.campaign_id == campaign.id)
    ):
        why = why_not_now(window, region, zones.split(), now)
        if why is None:
            continue
        left = select(Contact.id).where(
            Contact.campaign_id == campaign.id,
            Contact.region == region,
            Contact.timezone == zones,
            Contact.status != ContactStatus.closed,
            Contact.attempts < campaign.max_attempts_total,
        )
        if session.scalar(left.limit(1)) is not None:
            return why
    return None
