"""Which owned numbers a campaign offers its new contacts. A contact keeps the number it was first given:
changing a campaign's numbers only changes what contacts not yet called will see."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from number_pool.models import CallerNumber, CampaignNumber, NumberAssignment, NumberStatus
from number_pool.reputation import find_number
from tierdial import audit
from tierdial.config import e164
from tierdial.errors import UserError


def _chosen_ids(session: Session, campaign_id: int) -> set[int]:
    return set(
        session.scalars(select(CampaignNumber.caller_number_id).where(CampaignNumber.campaign_id == campaign_id))
    )


def offered_numbers(session: Session, campaign_id: int) -> list[CallerNumber]:
    """The active numbers a new contact of the campaign may be given: those chosen for it, else every active one."""
    active = select(CallerNumber).where(CallerNumber.status == NumberStatus.active)
    if chosen := _chosen_ids(session, campaign_id):
        active = active.where(CallerNumber.id.in_(chosen))
    return list(session.scalars(active))


def chosen_numbers(session: Session) -> dict[int, list[str]]:
    """Each campaign's chosen numbers by campaign id; a campaign absent offers every active number."""
    query = select(CampaignNumber.campaign_id, CallerNumber.e164).join(
        CallerNumber, CallerNumber.id == CampaignNumber.caller_number_id
    )
    chosen: dict[int, list[str]] = defaultdict(list)
    for campaign_id, number in session.execute(query.order_by(CallerNumber.e164)):
        chosen[campaign_id].append(number)
    return dict(chosen)


def choose_numbers(session: Session, campaign_id: int, numbers: list[str], actor: str) -> None:
    """Set the numbers a campaign offers new contacts; an empty list offers every active number again.

    Only active numbers can be chosen: a quarantined one waits for its review, and a retired one is no longer
    owned. Contacts already called keep their number whatever the choice.
    """
    wanted: dict[str, CallerNumber] = {}
    for raw in numbers:
        try:
            number = find_number(session, e164(raw))
        except ValueError as exc:
            raise UserError(f"caller numbers: {exc}") from None
        if number.status is not NumberStatus.active:
            raise UserError(f"caller numbers: {number.e164} is {number.status}; only numbers in use can be chosen")
        wanted[number.e164] = number
    was = chosen_numbers(session).get(campaign_id, [])
    if sorted(wanted) == was:
        return
    session.execute(delete(CampaignNumber).where(CampaignNumber.campaign_id == campaign_id))
    session.add_all(CampaignNumber(campaign_id=campaign_id, caller_number_id=n.id, chosen_by=actor[:100])
                    for n in wanted.values())  # fmt: skip
    audit.record(session, actor, "campaign_numbers_chosen", "campaign", str(campaign_id), was=was or "all",
                 now=sorted(wanted) or "all")  # fmt: skip
    session.flush()


def campaign_number_rows(session: Session, campaign_id: int) -> list[dict[str, object]]:
    """Every number a supervisor could choose for the campaign or whose contacts see it: its state, whether the
    campaign offers it to new contacts, and how many of the campaign's contacts see it."""
    seen = Counter(
        dict(
            session.execute(
                select(NumberAssignment.caller_number_id, func.count())
                .where(NumberAssignment.campaign_id == campaign_id)
                .group_by(NumberAssignment.caller_number_id)
            ).all()
        )
    )
    chosen = _chosen_ids(session, campaign_id)
    rows = []
    for number in session.scalars(select(CallerNumber).order_by(CallerNumber.e164)):
        if number.status is NumberStatus.retired and not seen[number.id]:
            continue
        offered = number.status is NumberStatus.active and (number.id in chosen or not chosen)
        rows.append({
            "number": number.e164, "region": number.region, "status": number.status.value,
            "complaints": number.complaints, "opt_outs": number.opt_outs, "spam_reports": number.spam_reports,
            "chosen": number.id in chosen, "offered": offered, "contacts": seen[number.id],
        })  # fmt: skip
    return rows
