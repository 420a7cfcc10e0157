"""The agent's workspace: ready or paused with a reason, who is on the call and their history, a callback booked on
the callee's clock, the hot-call alert and keyboard shortcuts, at desk and tablet sizes."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from console.app import create_app
from console.headless import chromium, log_in
from console.live import LiveFeed
from dialer.call_flow import CallFlow
from dialer.models import CallAttempt, Contact
from tests.browser import screenshot
from tests.helpers import (
    NOON_IN_SEOUL,
    PASSWORD,
    add_account,
    api_token,
    migrated_sessions,
    seed_campaign,
    signed_in,
)
from tierdial.bus import EventBus
from tierdial.config import parse_config
from tierdial.messages import AgentStatus, Answered, CallStarted, FinalTranscript, HotLeadOffered, TierDecided

SEOUL = ZoneInfo("Asia/Seoul")
FIRST_CARD = """[...document.querySelectorAll('.call')].map((n) => [n.getBoundingClientRect(), n.dataset.id])
  .sort(([a], [b]) => a.top - b.top || a.left - b.left)[0][1]"""


@pytest.fixture
def workspace(tmp_path: Path, intent_model):  # type: ignore[no-untyped-def]
    """The console on a real call flow (no calls placed): agent state and wrap-up go through the dialer's code."""
    sessions = migrated_sessions(tmp_path / "console.db")
    add_account(sessions, "ann", "agent")
    campaign_id = seed_campaign(sessions, "spring", ["+821030000001"])
    with sessions.begin() as session:
        contact = session.scalars(select(Contact).where(Contact.campaign_id == campaign_id)).one()
        contact.name = "김민지"
        for index, outcome in enumerate(("no_answer", "answered")):
            session.add(CallAttempt(call_id=f"c{index}", campaign_id=campaign_id, contact_id=contact.id,
                                    caller_number="+82234567890", outcome=outcome))  # fmt: skip
        session.get_one(CallAttempt, 1).notes = "asked to call after lunch"
    config = parse_config({"data_dir": str(tmp_path)})
    bus = EventBus()
    flow = CallFlow(config, sessions, intent_model, bus)
    app = create_app(config, LiveFeed(bus, flow), sessions)
    return app, sessions, flow, bus


def test_an_agent_pauses_with_a_reason_and_is_not_counted_for_pacing(workspace) -> None:  # type: ignore[no-untyped-def]
    app, sessions, flow, bus = workspace
    seen: list[object] = []
    bus.subscribe(seen.append, AgentStatus)
    flow.desk.agent_legs["ann"] = "agent-ann-1"  # as when her phone answered the shift's call
    assert flow.agents_ready() == 1
    agent, csrf = signed_in(app, "ann")
    assert agent.get("/api/v1/agents/me").json == {"agent": "ann", "state": "ready", "reason": "", "phone": "connected"}
    no_reason = agent.post("/api/v1/agents/me/state", json={"state": "paused"}, headers={"X-CSRFToken": csrf})
    assert no_reason.status_code == 400 and "say why" in no_reason.json["message"]
    paused = agent.post("/api/v1/agents/me/state", json={"state": "paused", "reason": "lunch"},
                        headers={"X-CSRFToken": csrf})  # fmt: skip
    assert paused.json["state"] == "paused" and paused.json["reason"] == "lunch"
    assert flow.agents_ready() == 0  # pacing dials for no one while she is away
    assert seen[-1] == AgentStatus("ann", "paused", "lunch", "connected")  # supervisors see it live
    agent.post("/api/v1/agents/me/state", json={"state": "ready"}, headers={"X-CSRFToken": csrf})
    assert flow.agents_ready() == 1
    token = api_token(sessions, "attempts:read")
    scripted = app.test_client().get("/api/v1/agents/me", headers={"Authorization": f"Bearer {token}"})
    assert scripted.status_code == 401  # a token stands for no agent


def test_a_callback_is_booked_at_the_time_asked_on_the_callees_clock(workspace) -> None:  # type: ignore[no-untyped-def]
    app, sessions, flow, _ = workspace
    flow.clock = lambda: NOON_IN_SEOUL  # the dialer calls as if at noon in Seoul (as the demo does)
    agent, csrf = signed_in(app, "ann")
    contact = agent.get("/api/v1/calls/c1/contact").json
    assert contact["local_time"] == "2026-11-23T12:00+09:00"  # the card shows the time the dialer judges by
    assert contact["name"] == "김민지" and contact["timezone"] == "Asia/Seoul" and contact["phone"].endswith("01")
    assert "+821030000001" not in str(contact)  # agents see masked numbers
    assert [h["outcome"] for h in contact["history"]] == ["no_answer"]

    tomorrow_3pm = (dt.datetime.now(SEOUL) + dt.timedelta(days=1)).replace(hour=15, minute=30, second=0, microsecond=0)
    body = {"disposition": "callback", "notes": "after lunch", "callback_at": tomorrow_3pm.strftime("%Y-%m-%dT%H:%M")}
    assert agent.post("/api/v1/calls/c1/disposition", json=body, headers={"X-CSRFToken": csrf}).status_code == 200
    with sessions() as session:
        booked = session.scalars(select(Contact)).one().next_attempt_at
    assert booked.replace(tzinfo=dt.UTC) == tomorrow_3pm.astimezone(dt.UTC)
    for when, why in (("yesterday", "2026-11-24T15:30"), ("2020-01-01T09:00", "passed"), ("2999-01-01T09:00", "90")):
        refused = agent.post("/api/v1/calls/c1/disposition", json={**body, "callback_at": when},
                             headers={"X-CSRFToken": csrf})  # fmt: skip
        assert refused.status_code == 400 and why in refused.json["message"], refused.json


def _calls(bus: EventBus) -> None:
    for call_id, tier, text in (
        ("c1", "D", "아니요 괜찮습니다"),
        ("c2", "A", "가격이 얼마예요"),
        ("c3", "C", "나중에 전화 주세요"),
    ):
        bus.publish(CallStarted(call_id, "spring", f"+82 10 **** 000{call_id[-1]}"))
        bus.publish(Answered(call_id, "G722"))
        bus.publish(FinalTranscript(call_id, text, 0, 1500))
        bus.publish(TierDecided(call_id, tier, 0.9, (text.split()[0],), text, True))
        if tier == "A":  # as the dialer does: the hot lead offered to agents
            bus.publish(HotLeadOffered(call_id, "spring", tier, 0.9, (text.split()[0],), text, paced=True))


@pytest.mark.parametrize("size", [(1366, 768), (820, 1180)], ids=["desk", "tablet"])
@pytest.mark.timeout(120)
def test_a_hot_call_alerts_sorts_first_and_is_taken_with_one_key(served_console, size) -> None:  # type: ignore[no-untyped-def]
    base, bus, control = served_console
    with chromium() as browser:
        page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        log_in(page, base, "ann", PASSWORD)
        page.wait_for_selector("#link:has-text('live')")
        page.wait_for_selector("#my-state:has-text('Ready')")
        _calls(bus)
        hot = page.locator(".call.tier-A")
        hot.wait_for()
        assert "alerting" in hot.get_attribute("class")
        assert page.title().startswith("● hot call")
        first = page.evaluate(FIRST_CARD)
        assert first == "c2"  # the hot call is the first the eye meets
        page.locator(".call.tier-A .since", has_text=re.compile(r"s ago$")).wait_for()
        name = "desk" if size[0] > 1000 else "tablet"
        screenshot(page, f"agent-workspace-{name}")
        page.keyboard.press("t")
        page.locator(".call.tier-A .status", has_text="taking over").wait_for()
        assert control.taken == [("c2", "ann")]

        wrapup = hot.locator(".wrapup")
        wrapup.locator("select[name=disposition]").select_option("callback")
        assert wrapup.locator("input[name=callback_at]").is_visible()
        page.click("#toggle-ready")
        page.wait_for_selector("#my-state:has-text('Paused')")
        assert page.inner_text("#my-reason") == "break"


@pytest.mark.timeout(120)
def test_a_click_on_a_console_that_went_away_says_so_and_asks_to_click_again(  # type: ignore[no-untyped-def]
    console_server, served_console
) -> None:
    """The console node behind the page dies (a deploy, a crash, a load balancer's node taken out): a click gets no
    answer, and the card says so instead of nothing; the agent clicks again, on a node that answers."""
    server, bus, control = console_server
    base = served_console[0]
    with chromium() as browser:
        page = browser.new_page()
        log_in(page, base, "ann", PASSWORD)
        page.wait_for_selector("#my-state:has-text('Ready')")
        _calls(bus)
        page.locator(".call.tier-A").wait_for()
        server.shutdown()
        server.server_close()  # the node is gone: its port refuses connections
        page.locator(".call.tier-A .takeover").click()
        page.locator(".call.tier-A .status", has_text="no answer from the console").wait_for()
        assert "click again" in page.inner_text(".call.tier-A .status")
    assert control.taken == []
