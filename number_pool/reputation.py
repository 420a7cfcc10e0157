"""Reports against a caller number; past a threshold the number is quarantined for a person to review.

Quarantine pauses every campaign that uses the number, with the reason. Nothing replaces
the number: its contacts are not called until a supervisor releases it. The campaigns are
the dialer's: it hands in how to pause them, and their names for the summaries.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from number_pool.models import CallerNumber, CampaignNumber, NumberAssignment, NumberStatus, ReputationReport
from tierdial import audit
from tierdial.config import Reputation
from tierdial.errors import UserError


class ReportKind(enum.StrEnum):
    complaint = "complaint"
    opt_out = "opt_out"
    spam_label = "spam_label"


COUNTERS = {ReportKind.complaint: "complaints", ReportKind.opt_out: "opt_outs", ReportKind.spam_label: "spam_reports"}

# Pauses the running campaigns among the ids, with the reason; returns the names of those it paused.
PauseCampaigns = Callable[[Session, set[int], str], list[str]]


def find_number(session: Session, e164: str) -> CallerNumber:
    number = session.scalar(select(CallerNumber).where(CallerNumber.e164 == e164))
    if number is None:
        raise UserError(f"{e164} is not one of the organisation's caller numbers")
    return number


def campaigns_using(session: Session, number: CallerNumber) -> set[int]:
    """Campaigns with contacts who see the number, and those that chose it for their new contacts."""
    seen = select(NumberAssignment.campaign_id).where(NumberAssignment.caller_number_id == number.id)
    chosen = select(CampaignNumber.campaign_id).where(CampaignNumber.caller_number_id == number.id)
    return set(session.scalars(seen.union(chosen)))


@dataclass(frozen=True)
class ReportOutcome:
    quarantined: bool  # this report pushed the number into quarantine
    paused: list[str]  # the campaigns that paused because of it


def report(
    session: Session,
    e164: str,
    kind: ReportKind,
    detail: str,
    limits: Reputation,
    actor: str = "system",
    *,
    pause: PauseCampaigns,
) -> ReportOutcome:
    """Count one report; past the threshold the number is quarantined and its campaigns paused."""
    number = find_number(session, e164)
    counter = COUNTERS[kind]
    setattr(number, counter, getattr(number, counter) + 1)
    session.add(ReputationReport(caller_number_id=number.id, kind=kind, detail=detail[:300]))
    audit.record(session, actor, "number_reported", "caller_number", e164, kind=str(kind), detail=detail[:300])
    if number.status is not NumberStatus.active or getattr(number, counter) < getattr(limits, counter):
        return ReportOutcome(False, [])
    reason = f"caller number {e164} quarantined: {getattr(number, counter)} {counter.replace('_', ' ')}"
    return ReportOutcome(True, quarantine(session, number, reason, actor, pause))


def quarantine(session: Session, number: CallerNumber, reason: str, actor: str, pause: PauseCampaigns) -> list[str]:
    number.status, number.quarantined_at, number.quarantine_reason = (
        NumberStatus.quarantined, dt.datetime.now(dt.UTC), reason[:300])  # fmt: skip
    audit.record(session, actor, "number_quarantined", "caller_number", number.e164, reason=reason)
    return pause(session, campaigns_using(session, number), reason + "; review it under `tierdial numbers`")


def release(session: Session, e164: str, reason: str, actor: str) -> None:
    """A person has reviewed the number: it may be used again, with its counters starting afresh."""
    if not reason.strip():
        raise UserError("say why the number is released (--reason)")
    number = find_number(session, e164)
    if number.status is not NumberStatus.quarantined:
        raise UserError(f"{e164} is {number.status}, not quarantined")
    number.status, number.quarantined_at, number.quarantine_reason = NumberStatus.active, None, None
    number.complaints = number.opt_outs = number.spam_reports = 0
    audit.record(session, actor, "number_released", "caller_number", e164, reason=reason)


def quarantine_by_hand(session: Session, e164: str, reason: str, actor: str, *, pause: PauseCampaigns) -> list[str]:
    """A supervisor takes a number out of use (a carrier's warning, a complaint by letter); returns campaigns paused."""
    if not reason.strip():
        raise UserError("say why the number is quarantined: the reason is shown on its campaigns and kept")
    number = find_number(session, e164)
    if number.status is not NumberStatus.active:
        raise UserError(f"{e164} is {number.status}, not in use")
    return quarantine(session, number, f"caller number {e164} quarantined by {actor}: {reason.strip()}", actor, pause)


def number_summaries(
    session: Session, campaign_names: Mapping[int, str], reports_each: int = 5
) -> list[dict[str, object]]:
    """Every owned number with its status, its counters against the thresholds, the campaigns whose contacts see it
    (named from `campaign_names`, by id) and its latest reports: what a supervisor reviews before releasing it."""
    rows = []
    for number in session.scalars(select(CallerNumber).order_by(CallerNumber.e164)):
        reports = session.scalars(
            select(ReputationReport)
            .where(ReputationReport.caller_number_id == number.id)
            .order_by(ReputationReport.id.desc())
            .limit(reports_each)
        )
        rows.append({
            "number": number.e164, "trunk": number.trunk, "region": number.region, "status": number.status.value,
            "complaints": number.complaints, "opt_outs": number.opt_outs, "spam_reports": number.spam_reports,
            "reason": number.quarantine_reason,
            "campaigns": sorted(campaign_names[i] for i in campaigns_using(session, number) if i in campaign_names),
            "reports": [{"kind": r.kind, "detail": r.detail, "at": r.reported_at.isoformat()} for r in reports],
        })  # fmt: skip
    return rows
