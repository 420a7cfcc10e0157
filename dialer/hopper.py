"""Who may be called now: callable contacts of a campaign, in order.

Not on any do-not-call list, inside the callee's local window, under the attempt cap,
past their retry time, and not already in a call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from dialer.calling_window import inside_window
from dialer.models import Campaign, Contact, ContactStatus, DncScope, DoNotCall


def next_callable(
    session: Session,
    campaign: Campaign,
    *,
    now: dt.datetime,
    max_attempts: int,
    in_flight: Collection[int] = (),
    limit: int = 10,
) -> list[Contact]:
    blocked = exists().where(
        DoNotCall.phone_e164 == Contact.phone_e164,
        or_(
            DoNotCall.scope.in_([DncScope.internal, DncScope.registry]),
            (DoNotCall.scope == DncScope.campaign) & (DoNotCall.campaign_id == campaign.id),
        ),
    )
    query = (
        select(Contact)
        .where(
            Contact.campaign_id == campaign.id,
            Contact.status.in_([ContactStatus.new, ContactStatus.scheduled]),
            or_(Contact.next_attempt_at.is_(None), Contact.next_attempt_at <= now),
            Contact.attempts < max_attempts,
            Contact.id.not_in(list(in_flight)),
            ~blocked,
        )
        .order_by(Contact.next_attempt_at.is_not(None), Contact.id)
    )
    chosen = []
    for contact in session.scalars(query.limit(limit * 4)):
        if inside_window(contact.phone_e164, campaign.window_start, campaign.window_end, now):
            chosen.append(contact)
            if len(chosen) == limit:
                break
    return chosen
