"""The KPI report: every figure a supervisor watches and every target against it, evaluated now.

Read by the dashboard and scripts (`/api/v1/kpis`) and by the KPI watcher every few seconds;
whichever evaluates first when a target has been missed long enough starts its alert, and
announces it on the bus (dashboards, webhooks).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from console.hot_leads import HotLeadWaits
from console.kpis import KPIS, Figures, evaluate
from dialer.agent_time import agent_time, team_figures
from dialer.campaign_stats import campaign_stats, start_of_day
from tierdial.bus import EventBus
from tierdial.messages import KpiAlert


def kpi_report(session: Session, now: dt.datetime, hot_leads: HotLeadWaits | None, bus: EventBus | None) -> dict:
    """Figures per campaign and overall, each agent's time today, the targets and the alerts. Moves each target's
    missed-since and alert state on: run it in a transaction that commits."""
    stats = campaign_stats(session, now)
    team = agent_time(session, start_of_day(now), now)
    stats["agents"] = {name: time.as_dict() for name, time in sorted(team.items())}
    stats["overall"].update(team_figures(list(team.values())))  # type: ignore[attr-defined]
    targets = evaluate(session, _with_hot_lead_waits(stats, hot_leads), now)
    for target in targets:
        if target.pop("alert_started") and bus is not None:
            bus.publish(KpiAlert(target["kpi"], target["label"], target["campaign"], target["target"],
                                 target["actual"], target["missed_for_seconds"]))  # fmt: skip
    definitions = {name: {"label": k.label, "unit": k.unit, "higher_is_better": k.higher_is_better}
                   for name, k in KPIS.items()}  # fmt: skip
    alerts = [t for t in targets if t["alert"]]
    return {**stats, "targets": targets, "alerts": alerts, "definitions": definitions, "at": now.isoformat()}


def _with_hot_lead_waits(stats: dict, hot_leads: HotLeadWaits | None) -> dict[str | None, Figures]:
    waits = hot_leads.waits() if hot_leads is not None else {}
    figures: dict[str | None, Figures] = {}
    for entry in stats["campaigns"]:
        entry["hot_lead_waits"] = waits.get(entry["campaign"], [])
        figures[entry["campaign"]] = entry
    stats["overall"]["hot_lead_waits"] = sorted((w for ws in waits.values() for w in ws), reverse=True)
    figures[None] = stats["overall"]
    for entry in figures.values():
        entry["max_hot_lead_wait"] = entry["hot_lead_waits"][0] if entry["hot_lead_waits"] else 0.0
    return figures
