"""A supervisor stops a campaign or changes its cap and pacing; a running dialer follows at its next tick."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from console.app import create_app
from console.live import LiveFeed
from dialer.call_flow import CallFlow
from dialer.campaigns import find_campaign
from dialer.models import CallAttempt, CampaignStatus, Contact
from dialer.runner import CampaignRunner
from tests.helpers import add_account, migrated_sessions, seed_campaign, signed_in
from tierdial.audit import AuditEntry
from tierdial.bus import EventBus
from tierdial.config import parse_config
from tierdial.db import utcnow


@pytest.fixture
def dialer(tmp_path: Path, intent_model):  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(tmp_path / "console.db")
    add_account(sessions, "sam", "supervisor")
    campaign_id = seed_campaign(sessions, "spring", ["+821030000001"])
    config = parse_config({"data_dir": str(tmp_path)})
    flow = CallFlow(config, sessions, intent_model, EventBus())
    app = create_app(config, LiveFeed(flow.bus, flow), sessions)
    return app, sessions, CampaignRunner(config, sessions, flow, campaign_id, lines=2, pacing="progressive")


def test_a_new_cap_and_pacing_mode_reach_the_running_dialer(dialer) -> None:  # type: ignore[no-untyped-def]
    app, sessions, runner = dialer
    supervisor, csrf = signed_in(app, "sam")
    headers = {"X-CSRFToken": csrf}
    assert (runner.pacing.mode, runner.pacing.cap) == ("progressive", 0.03)
    tuned = supervisor.patch("/api/v1/campaigns/spring", json={"abandon_cap": 0.02, "pacing": "tierdial"},
                             headers=headers)  # fmt: skip
    assert tuned.json == {"campaign": "spring", "status": "running", "abandon_cap": 0.02, "pacing": "tierdial",
                          "retry_hours": None, "caller_numbers": []}  # fmt: skip
    paused = supervisor.post("/api/v1/campaigns/spring/pause", json={"reason": "checking"}, headers=headers)
    assert paused.status_code == 200  # so that the tick below dials no one
    runner.tick()
    assert (runner.pacing.mode, runner.pacing.cap) == ("tierdial", 0.02)
    assert runner.pacing.controller.name == "tierdial"
    with sessions() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "sam")).all()
    assert {"campaign_cap_changed", "campaign_pacing_changed", "campaign_paused"} <= set(actions)


def test_the_cap_never_goes_above_three_percent_and_a_stop_needs_a_reason(dialer) -> None:  # type: ignore[no-untyped-def]
    app, _, _ = dialer
    supervisor, csrf = signed_in(app, "sam")
    headers = {"X-CSRFToken": csrf}
    too_high = supervisor.patch("/api/v1/campaigns/spring", json={"abandon_cap": 0.05}, headers=headers)
    assert too_high.status_code == 400 and "3 %" in too_high.json["message"]
    assert supervisor.patch("/api/v1/campaigns/spring", json={"pacing": "turbo"}, headers=headers).status_code == 400
    assert supervisor.patch("/api/v1/campaigns/spring", json={}, headers=headers).status_code == 400
    assert supervisor.post("/api/v1/campaigns/spring/stop", json={}, headers=headers).status_code == 400
    stopped = supervisor.post("/api/v1/campaigns/spring/stop", json={"reason": "list exhausted"}, headers=headers)
    assert stopped.json["status"] == "stopped" and stopped.json["status_reason"].startswith("list exhausted")
    campaigns = supervisor.get("/api/v1/campaigns").json["campaigns"]
    assert campaigns[0]["status"] == "stopped" and campaigns[0]["abandon_cap"] == 0.03


def test_the_running_dialer_deletes_what_callees_said_past_its_retention_period(dialer) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from asr.models import TranscriptSegment

    _, sessions, runner = dialer
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    with sessions.begin() as session:
        find_campaign(session, "spring").status = CampaignStatus.paused  # so that the tick dials no one
        session.add(TranscriptSegment(call_id="c-old", speaker="callee", text="전화하지 마세요", start_ms=0,
                                      end_ms=900, created_at=long_ago))  # fmt: skip
        session.add(TranscriptSegment(call_id="c-new", speaker="callee", text="네", start_ms=0, end_ms=300))
    runner.tick()
    with sessions() as session:
        assert set(session.scalars(select(TranscriptSegment.call_id))) == {"c-new"}


def test_a_station_taking_a_campaign_over_keeps_its_abandonment_budget(tmp_path: Path, intent_model) -> None:  # type: ignore[no-untyped-def]
    """The budget is the campaign's, from its records: hot leads another station offered and lost, and a call cut
    by a station's death before an agent had it, count against the cap on the station that paces it next."""
    sessions = migrated_sessions(tmp_path / "dialer.db")
    phones = [f"+8210300000{k:02d}" for k in range(1, 6)]
    campaign_id = seed_campaign(sessions, "spring", phones)
    now = utcnow()
    with sessions.begin() as session:
        contacts = session.scalars(select(Contact.id).order_by(Contact.id)).all()
        for k, (outcome, tier, taken) in enumerate([
            ("answered", "A", True), ("answered", "A", False), ("answered", "C", False), ("interrupted", None, False),
        ]):  # fmt: skip
            session.add(CallAttempt(
                call_id=f"call-{k}", campaign_id=campaign_id, contact_id=contacts[k], caller_number="+8223456789",
                outcome=outcome, final_tier=tier, answered_at=now, connected_at=now if taken else None,
            ))  # fmt: skip
    config = parse_config({"data_dir": str(tmp_path)})
    flow = CallFlow(config, sessions, intent_model, EventBus())
    runner = CampaignRunner(config, sessions, flow, campaign_id, lines=2, pacing="tierdial")
    state = runner.pacing.state(agents_connected=1)
    assert (state.live_answers, state.abandoned) == (3, 2)
