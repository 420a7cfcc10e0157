"""KPI targets: what a supervisor aims for, the actual figure beside it, and an alert when it is missed for long.

A target is missed while the actual is on the wrong side of it. It turns into an alert
once it has been missed for the target's `alert_after_minutes` without a break; the
alert ends when the actual meets the target again. Each alert's start is audited.
A KPI with no actual yet (no calls) is neither met nor missed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from console.models import KpiTarget
from dialer.campaigns import campaign_names, find_campaign
from tierdial import audit
from tierdial.errors import NotFound, UserError

Figures = dict[str, object]  # one scope's figures, as dialer.campaign_stats gives them, plus live hot-lead waits


@dataclass(frozen=True)
class Kpi:
    label: str
    unit: str  # "ratio" (0..1), "per hour" or "seconds"
    higher_is_better: bool
    actual: Callable[[Figures], float | None]


def _today(name: str) -> Callable[[Figures], float | None]:
    return lambda figures: figures["today"][name]  # type: ignore[index]


KPIS: dict[str, Kpi] = {
    "calls_per_hour": Kpi("calls per hour", "per hour", True, lambda f: f["calls_per_hour"]),  # type: ignore[arg-type,return-value]
    "connect_rate": Kpi("connect rate", "ratio", True, _today("connect_rate")),
    "hot_lead_yield": Kpi("hot-lead yield", "ratio", True, _today("hot_lead_yield")),
    "abandon_rate": Kpi("abandonment today", "ratio", False, _today("abandon_rate")),
    "abandon_rate_30d": Kpi("abandonment, 30 days", "ratio", False, lambda f: f["abandon_rate_30d"]),  # type: ignore[arg-type,return-value]
    "max_hot_lead_wait": Kpi("longest hot-lead wait", "seconds", False, lambda f: f["max_hot_lead_wait"]),  # type: ignore[arg-type,return-value]
    "occupancy": Kpi("agent occupancy", "ratio", True, lambda f: f.get("occupancy")),  # type: ignore[arg-type,return-value]
    "average_wrap_seconds": Kpi("average wrap-up", "seconds", False, lambda f: f.get("average_wrap_seconds")),  # type: ignore[arg-type,return-value]
}
TEAM_KPIS = {"occupancy", "average_wrap_seconds"}  # agents serve every campaign: measured for all together


def set_target(
    session: Session, kpi: str, target: float, alert_after_minutes: float, by: str, campaign: str | None = None
) -> KpiTarget:
    """Set (or replace) the target of one KPI for one campaign, or for all campaigns together when none is named."""
    if kpi not in KPIS:
        raise UserError(f"kpi must be one of {', '.join(KPIS)} (got {kpi!r})")
    if kpi in TEAM_KPIS and campaign:
        raise UserError(f"{kpi} is measured over the whole team: set it for all campaigns together")
    if KPIS[kpi].unit == "ratio" and not 0 <= target <= 1:
        raise UserError(f"{kpi} is a ratio: a target from 0 to 1 (0.25 is 25 %), got {target}")
    if target < 0:
        raise UserError(f"a target cannot be negative (got {target})")
    if not 0 <= alert_after_minutes <= 24 * 60:
        raise UserError(f"alert_after_minutes must be from 0 to 1440 (got {alert_after_minutes})")
    campaign_id = find_campaign(session, campaign).id if campaign else None
    found = session.scalar(select(KpiTarget).where(KpiTarget.kpi == kpi, KpiTarget.campaign_id.is_(campaign_id)))
    if found is None:
        found = KpiTarget(kpi=kpi, campaign_id=campaign_id, set_by=by)
        session.add(found)
    found.target, found.alert_after_minutes, found.set_by = target, alert_after_minutes, by
    found.set_at, found.missed_since, found.alerted_at = dt.datetime.now(dt.UTC), None, None
    session.flush()
    audit.record(session, by, "kpi_target_set", "kpi_target", str(found.id), kpi=kpi, target=target,
                 campaign=campaign, alert_after_minutes=alert_after_minutes)  # fmt: skip
    return found


def remove_target(session: Session, target_id: int, by: str) -> None:
    found = session.get(KpiTarget, target_id)
    if found is None:
        raise NotFound(f"no KPI target {target_id}")
    audit.record(session, by, "kpi_target_removed", "kpi_target", str(target_id), kpi=found.kpi, target=found.target)
    session.delete(found)


def _missed(kpi: Kpi, actual: float | None, target: float) -> bool:
    if actual is None:
        return False
    return actual < target if kpi.higher_is_better else actual > target


def _start_alert(session: Session, target: KpiTarget, now: dt.datetime) -> bool:
    """Start the target's alert unless another evaluation (another console node) just did: only one announces it."""
    started = session.execute(
        update(KpiTarget).where(KpiTarget.id == target.id, KpiTarget.alerted_at.is_(None)).values(alerted_at=now)
    )
    session.refresh(target, ["alerted_at"])
    return started.rowcount == 1


def evaluate(session: Session, figures_by_campaign: dict[str | None, Figures], now: dt.datetime) -> list[dict]:
    """Every target against its actual; moves each target's missed/alert state on. `None` keys the overall figures."""
    names = campaign_names(session)
    statuses = []
    for target in session.scalars(select(KpiTarget).order_by(KpiTarget.id)):
        kpi = KPIS.get(target.kpi)
        campaign = names.get(target.campaign_id) if target.campaign_id else None
        figures = figures_by_campaign.get(campaign)
        if kpi is None or figures is None:
            continue
        actual = kpi.actual(figures)
        started = None
        if not _missed(kpi, actual, target.target):
            target.missed_since = target.alerted_at = None
        else:
            target.missed_since = target.missed_since or now
            missed_for = now - target.missed_since
            due = target.alerted_at is None and missed_for >= dt.timedelta(minutes=target.alert_after_minutes)
            if due and _start_alert(session, target, now):
                started = now
                audit.record(session, "console", "kpi_alert", "kpi_target", str(target.id), kpi=target.kpi,
                             target=target.target, actual=actual, campaign=campaign)  # fmt: skip
        missed_seconds = (now - target.missed_since).total_seconds() if target.missed_since else 0.0
        statuses.append(
            {
                "id": target.id,
                "campaign": campaign,
                "kpi": target.kpi,
                "label": kpi.label,
                "unit": kpi.unit,
                "higher_is_better": kpi.higher_is_better,
                "target": target.target,
                "actual": actual,
                "alert_after_minutes": target.alert_after_minutes,
                "missed_for_seconds": round(missed_seconds),
                "alert": target.alerted_at is not None,
                "alert_started": started is not None,  # by this evaluation: for the caller to announce
                "set_by": target.set_by,
            }
        )
    return statuses
