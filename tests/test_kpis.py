"""A supervisor's figures, KPI targets against them, and the alert when one is missed for long enough."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from sqlalchemy import select

from console.app import create_app
from console.live import LiveFeed
from console.testing import RecordingControl
from dialer.models import CallAttempt, Contact
from tests.helpers import add_account, api_token, migrated_sessions, seed_campaign, signed_in
from tierdial.audit import AuditEntry
from tierdial.bus import EventBus
from tierdial.config import parse_config
from tierdial.messages import CallEnded, CallStarted, HotLeadExpired, HotLeadOffered, Takeover, TierDecided

PHONES = [f"+8210300000{i:02d}" for i in range(10)]


@pytest.fixture
def console(tmp_path: Path):  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(tmp_path / "console.db")
    add_account(sessions, "ann", "agent")
    add_account(sessions, "sam", "supervisor")
    bus = EventBus()
    app = create_app(parse_config({"data_dir": str(tmp_path)}), LiveFeed(bus, RecordingControl()), sessions)
    return app, sessions, bus


def _calls(sessions, campaign_id: int, outcomes: list[tuple[str, str | None]]) -> None:  # type: ignore[no-untyped-def]
    """Attempts that ended a minute ago, one per (outcome, final tier); answered ones talked for 90 s."""
    now = dt.datetime.now(dt.UTC)
    with sessions.begin() as session:
        contacts = session.scalars(select(Contact.id).where(Contact.campaign_id == campaign_id)).all()
        for index, (outcome, tier) in enumerate(outcomes):
            answered = now - dt.timedelta(seconds=150) if outcome in ("answered", "abandoned", "machine") else None
            session.add(
                CallAttempt(
                    call_id=f"{campaign_id}-{index}", campaign_id=campaign_id, contact_id=contacts[index],
                    caller_number="+82234567890", started_at=now - dt.timedelta(seconds=160), answered_at=answered,
                    ended_at=now - dt.timedelta(seconds=60), outcome=outcome, final_tier=tier,
                )
            )  # fmt: skip


def test_the_dashboard_figures_add_up_the_campaigns_calls(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions, _ = console
    spring = seed_campaign(sessions, "spring", PHONES)
    seed_campaign(sessions, "quiet", PHONES[:1])
    outcomes = [("answered", "A"), ("answered", "B"), ("answered", "D"), ("abandoned", None), ("machine", None)]
    _calls(sessions, spring, [*outcomes, ("no_answer", None), ("busy", None), ("no_answer", None)])
    supervisor, _ = signed_in(app, "sam")
    figures = supervisor.get("/api/v1/kpis").json
    by_name = {c["campaign"]: c for c in figures["campaigns"]}
    today = by_name["spring"]["today"]
    assert (today["dials"], today["connects"], today["live_answers"], today["abandoned"]) == (8, 5, 4, 1)
    assert today["hot_leads"] == 2 and today["hot_lead_yield"] == 0.5 and today["abandon_rate"] == 0.25
    assert today["tiers"] == {"A": 1, "B": 1, "D": 1}
    assert today["connect_rate"] == 5 / 8 and today["talk_seconds"] == pytest.approx(3 * 90, abs=1)
    assert by_name["spring"]["calls_per_hour"] == 8 and by_name["spring"]["abandon_rate_30d"] == 0.25
    assert by_name["quiet"]["today"]["dials"] == 0 and by_name["quiet"]["today"]["abandon_rate"] is None
    assert figures["overall"]["today"]["dials"] == 8
    shift = figures["shift"]  # the charts: every hour since midnight, the calls in the hours they started
    assert [dt.datetime.fromisoformat(h["hour"]).minute for h in shift] == [0] * len(shift)
    hours = [dt.datetime.fromisoformat(h["hour"]) for h in shift]
    assert all(later - earlier == dt.timedelta(hours=1) for earlier, later in itertools.pairwise(hours))
    assert hours[-1] <= dt.datetime.now(dt.UTC) < hours[-1] + dt.timedelta(hours=1)
    assert [sum(h[key] for h in shift) for key in ("dials", "connects", "abandoned", "hot_leads")] == [8, 5, 1, 2]


def test_a_missed_target_becomes_an_alert_after_its_time_and_clears_when_met(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions, _ = console
    spring = seed_campaign(sessions, "spring", PHONES)
    _calls(sessions, spring, [("answered", "D"), ("answered", "D"), ("answered", "A"), ("no_answer", None)])
    supervisor, csrf = signed_in(app, "sam")
    headers = {"X-CSRFToken": csrf}

    def put(**body: object):  # type: ignore[no-untyped-def]
        return supervisor.put("/api/v1/kpis/targets", json=body, headers=headers)

    # Yield is 1 hot lead in 3 live answers: under a 50 % target, missed at once, alerting at once (no grace).
    assert put(kpi="hot_lead_yield", target=0.5, alert_after_minutes=0, campaign="spring").status_code == 200
    assert put(kpi="connect_rate", target=0.5, alert_after_minutes=10).status_code == 200  # 3 of 4: met overall
    assert put(kpi="abandon_rate", target=0.03, alert_after_minutes=10, campaign="spring").status_code == 200
    figures = supervisor.get("/api/v1/kpis").json
    status = {(t["campaign"], t["kpi"]): t for t in figures["targets"]}
    yield_target = status[("spring", "hot_lead_yield")]
    assert yield_target["actual"] == pytest.approx(1 / 3) and yield_target["alert"]
    assert not status[(None, "connect_rate")]["alert"] and status[(None, "connect_rate")]["missed_for_seconds"] == 0
    assert not status[("spring", "abandon_rate")]["alert"]  # 0 abandoned: met
    assert [a["kpi"] for a in figures["alerts"]] == ["hot_lead_yield"]
    with sessions() as session:
        alerts = session.scalars(select(AuditEntry).where(AuditEntry.action == "kpi_alert")).all()
        assert len(alerts) == 1 and alerts[0].detail["kpi"] == "hot_lead_yield"

    # Missed, but not yet for the ten minutes asked: counted, no alert.
    put(kpi="hot_lead_yield", target=0.5, alert_after_minutes=10, campaign="spring")
    first = supervisor.get("/api/v1/kpis").json["targets"][0]
    assert first["kpi"] == "hot_lead_yield" and not first["alert"]
    # A target the campaign meets clears: the supervisor lowers it to 30 %.
    put(kpi="hot_lead_yield", target=0.3, alert_after_minutes=0, campaign="spring")
    assert supervisor.get("/api/v1/kpis").json["alerts"] == []
    removed = supervisor.delete(f"/api/v1/kpis/targets/{first['id']}", headers=headers)
    assert removed.status_code == 204
    assert len(supervisor.get("/api/v1/kpis").json["targets"]) == 2


def test_bad_targets_are_refused_with_the_reason(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions, _ = console
    seed_campaign(sessions, "spring", PHONES[:1])
    supervisor, csrf = signed_in(app, "sam")

    def put(body: object):  # type: ignore[no-untyped-def]
        return supervisor.put("/api/v1/kpis/targets", json=body, headers={"X-CSRFToken": csrf})

    unknown = put({"kpi": "happiness", "target": 1})
    assert unknown.status_code == 400 and "connect_rate" in unknown.json["message"]
    assert "0.25 is 25 %" in put({"kpi": "connect_rate", "target": 25}).json["message"]
    assert put({"kpi": "connect_rate", "target": "high"}).json["error"] == "bad_request"
    not_a_number = supervisor.put("/api/v1/kpis/targets", data='{"kpi": "calls_per_hour", "target": NaN}',
                                  headers={"X-CSRFToken": csrf, "Content-Type": "application/json"})  # fmt: skip
    assert not_a_number.status_code == 400
    assert put({"kpi": "connect_rate", "target": 0.3, "campaign": "winter"}).status_code == 404
    assert put(["connect_rate"]).status_code == 400
    agent, agent_csrf = signed_in(app, "ann")
    assert agent.get("/api/v1/kpis").status_code == 403
    assert agent.put("/api/v1/kpis/targets", json={}, headers={"X-CSRFToken": agent_csrf}).status_code == 403
    token = api_token(sessions, "kpis:read")
    scripted = app.test_client().get("/api/v1/kpis", headers={"Authorization": f"Bearer {token}"})
    assert scripted.status_code == 200


def test_hot_leads_waiting_for_an_agent_are_timed_until_taken_over(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions, bus = console
    seed_campaign(sessions, "spring", PHONES[:1])
    supervisor, _ = signed_in(app, "sam")
    for call_id in ("c1", "c2", "c3", "c4"):
        bus.publish(CallStarted(call_id, "spring", "+82 10 **** 0001"))
    bus.publish(HotLeadOffered("c1", "spring", "A", 0.9, ("price",), "how much is it", paced=True))
    bus.publish(HotLeadOffered("c2", "spring", "B", 0.8, ("maybe",), "maybe later today"))
    bus.publish(HotLeadOffered("c4", "spring", "A", 0.9, ("price",), "how much is it", paced=True))
    bus.publish(TierDecided("c3", "A", 0.9, ("price",), "how much is it", True))  # the dialer offered it to nobody
    spring = next(c for c in supervisor.get("/api/v1/kpis").json["campaigns"] if c["campaign"] == "spring")
    assert len(spring["hot_lead_waits"]) == 3 and spring["max_hot_lead_wait"] >= 0
    bus.publish(Takeover("c1", "ann"))
    bus.publish(HotLeadExpired("c4", "spring", "A"))  # nobody came: the bot promises a callback
    bus.publish(CallEnded("c2", "answered", 200, "BYE"))
    figures = supervisor.get("/api/v1/kpis").json
    assert figures["overall"]["hot_lead_waits"] == [] and figures["overall"]["max_hot_lead_wait"] == 0
