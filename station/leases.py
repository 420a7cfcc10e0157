"""Campaign leases: one station paces a campaign at a time, and another takes it over when that one dies.

A lease is a row renewed every few seconds by its holder; taking it is a compare-and-set
(free, expired, or already ours), so two stations never both hold one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from station.models import CampaignLease

LEASE_SECONDS = 15.0  # a dead holder's campaigns move within this, plus one renewal period


def hold(session: Session, campaign_id: int, instance: str, now: dt.datetime) -> bool:
    """Take or renew the lease on a campaign; False if another live station holds it."""
    until = now + dt.timedelta(seconds=LEASE_SECONDS)
    taken = session.execute(
        update(CampaignLease)
        .where(
            CampaignLease.campaign_id == campaign_id,
            (CampaignLease.instance == instance) | (CampaignLease.expires_at < now),
        )
        .values(instance=instance, expires_at=until)
    )
    if taken.rowcount == 1:  # type: ignore[attr-defined]
        return True
    if session.get(CampaignLease, campaign_id) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(CampaignLease(campaign_id=campaign_id, instance=instance, expires_at=until))
    except IntegrityError:
        return False  # another station inserted it first
    return True


def let_go(session: Session, campaign_id: int, instance: str) -> None:
    session.execute(
        delete(CampaignLease).where(CampaignLease.campaign_id == campaign_id, CampaignLease.instance == instance)
    )
