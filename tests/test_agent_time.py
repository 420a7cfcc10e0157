"""Supervisors see where each agent's day went: talk, wrap-up and occupancy against the time they were ready."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from console.app import create_app
from dialer.agent_time import agent_time, confirm_states, paused_agents, team_figures
from dialer.models import AgentState, CallAttempt, CallOutcome, Contact
from tests.helpers import add_account, migrated_sessions, seed_campaign, signed_in
from tierdial.config import parse_config

NINE = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def _at(minutes: float) -> dt.datetime:
    return NINE + dt.timedelta(minutes=minutes)


def _shift(sessions) -> None:  # type: ignore[no-untyped-def]
    """ann: ready 9:00-10:00 but paused 9:20-9:30, then offline; two calls of 6 and 4 minutes with 1 and 2 minutes
    of wrap-up (the second still talking at 10:00 would count to now). bo: ready all hour, no call."""
    campaign_id = seed_campaign(sessions, "spring", ["010-2000-0001", "010-2000-0002"])
    with sessions.begin() as session:
        for agent, state, minute in [("ann", "ready", -30), ("ann", "offline", -10), ("ann", "ready", 0),
                                     ("bo", "ready", -5), ("ann", "paused", 20), ("ann", "ready", 30),
                                     ("ann", "offline", 60)]:  # fmt: skip
            session.add(AgentState(agent=agent, state=state, reason="", at=_at(minute)))
        contacts = list(session.scalars(select(Contact.id)))
        for n, (connected, ended, wrapped) in enumerate([(5, 11, 12), (40, 44, 46)]):
            session.add(CallAttempt(
                call_id=f"c{n}", campaign_id=campaign_id, contact_id=contacts[n], caller_number="+82234567890",
                started_at=_at(connected - 1), answered_at=_at(connected - 0.5), connected_at=_at(connected),
                ended_at=_at(ended), wrapped_at=_at(wrapped), outcome=CallOutcome.answered, agent_name="ann",
            ))  # fmt: skip


def test_occupancy_is_talk_and_wrap_up_over_the_time_ready(tmp_path: Path) -> None:
    sessions = migrated_sessions(tmp_path / "time.db")
    _shift(sessions)
    with sessions() as session:
        times = agent_time(session, NINE, _at(60))
    ann, bo = times["ann"], times["bo"]
    assert ann.ready_seconds == 50 * 60 and ann.calls == 2  # a pause and the time before 9:00 do not count
    assert (ann.talk_seconds, ann.wrap_seconds) == (10 * 60, 3 * 60)
    assert ann.occupancy == 13 / 50 and ann.average_wrap_seconds == 90
    assert bo.ready_seconds == 60 * 60 and bo.occupancy == 0 and bo.average_wrap_seconds is None
    assert team_figures([ann, bo]) == {"occupancy": round(13 / 110, 3), "average_wrap_seconds": 90}


def test_the_dashboard_reads_agents_time_and_occupancy_targets_are_for_the_whole_team(tmp_path: Path) -> None:
    sessions = migrated_sessions(tmp_path / "time.db")
    _shift(sessions)
    add_account(sessions, "sam", "supervisor")
    app = create_app(parse_config({"data_dir": str(tmp_path)}), None, sessions)
    supervisor, csrf = signed_in(app, "sam")
    headers = {"X-CSRFToken": csrf}
    figures = supervisor.get("/api/v1/kpis").json
    assert set(figures["agents"]) >= {"ann", "bo"} and "occupancy" in figures["overall"]

    wanted = {"kpi": "occupancy", "target": 0.8, "campaign": "spring"}
    per_campaign = supervisor.put("/api/v1/kpis/targets", json=wanted, headers=headers)
    assert per_campaign.status_code == 400 and "whole team" in per_campaign.json["message"]
    team = supervisor.put("/api/v1/kpis/targets", json={"kpi": "occupancy", "target": 0.8, "alert_after_minutes": 0},
                          headers=headers)  # fmt: skip
    assert team.status_code == 200
    target = next(t for t in supervisor.get("/api/v1/kpis").json["targets"] if t["kpi"] == "occupancy")
    assert target["label"] == "agent occupancy" and target["campaign"] is None


def test_an_agent_stops_counting_as_ready_soon_after_the_dialer_stops_confirming(tmp_path: Path) -> None:
    """A dialer that dies with an agent's leg up stores no "offline": the agent's ready time ends 90 s after the
    dialer last confirmed it, not when the agent next changes state."""
    sessions = migrated_sessions(tmp_path / "time.db")
    with sessions.begin() as session:
        session.add(AgentState(agent="cy", state="ready", reason="", at=_at(0), confirmed_at=_at(0)))
        session.add(AgentState(agent="di", state="ready", reason="", at=_at(0), confirmed_at=_at(0)))
    with sessions.begin() as session:
        for minute in range(1, 11):  # cy's dialer goes on confirming for ten minutes, di's died at 9:00
            confirm_states(session, ["cy"], _at(minute))
    with sessions() as session:
        times = agent_time(session, NINE - dt.timedelta(hours=1), _at(60))
    assert times["cy"].ready_seconds == 10 * 60 + 90 and times["di"].ready_seconds == 90


def test_a_running_dialer_confirms_its_agents_states(tmp_path: Path, intent_model) -> None:  # type: ignore[no-untyped-def]
    from dialer.call_flow import CallFlow
    from tierdial.bus import EventBus
    from tierdial.messages import AgentStatus

    sessions = migrated_sessions(tmp_path / "time.db")
    flow = CallFlow(parse_config({"data_dir": str(tmp_path)}), sessions, intent_model, EventBus())
    flow.desk.store_state(AgentStatus("ann", "ready", "", "connected"))  # what the agent's leg connecting stores
    flow.desk.store_state(AgentStatus("bo", "ready", "", "connected"))
    flow.desk.store_state(AgentStatus("bo", "ready", "", "not connected"))  # bo hung up: offline, nothing to confirm
    with sessions() as session:
        stored = {s.agent: s.confirmed_at for s in session.scalars(select(AgentState).order_by(AgentState.id))}
    flow.confirm_agent_states()
    with sessions() as session:
        confirmed = {s.agent: s.confirmed_at for s in session.scalars(select(AgentState).order_by(AgentState.id))}
    assert confirmed["ann"] > stored["ann"] and confirmed["bo"] == stored["bo"]


def test_a_pause_outlives_the_phone_dropping_and_the_station_restarting(tmp_path: Path) -> None:
    sessions = migrated_sessions(tmp_path / "time.db")
    with sessions.begin() as session:
        for agent, state, reason, minute in [("ann", "ready", "", 0), ("ann", "paused", "lunch", 5),
                                             ("ann", "offline", "", 6),  # her phone dropped, then the station died
                                             ("bo", "paused", "training", 0), ("bo", "ready", "", 30),
                                             ("cy", "offline", "", 0)]:  # fmt: skip
            session.add(AgentState(agent=agent, state=state, reason=reason, at=_at(minute), confirmed_at=_at(minute)))
    with sessions() as session:
        assert paused_agents(session, ["ann", "bo", "cy", "di"]) == {"ann": "lunch"}
