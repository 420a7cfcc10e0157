"""The live dialer drives the simulator's controllers from its own messages, and the console sees the result."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.app import create_app
from console.live import LiveFeed
from dialer.pacing.live import LivePacing
from dialer.pacing.registry import LIVE_MODES
from tests.helpers import api_token, migrated_sessions
from tierdial.bus import EventBus
from tierdial.config import parse_config
from tierdial.messages import Answered, CallEnded, CallStarted, HotLeadOffered, PacingUpdate, Takeover, TierDecided


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def hot(call_id: str, tier: str = "A") -> HotLeadOffered:
    return HotLeadOffered(call_id, "demo", tier, 0.9, ("가격",), "가격 알려 주세요", paced=tier == "A")


@pytest.mark.parametrize("mode", LIVE_MODES)
def test_a_controller_paces_live_calls_within_the_lines(mode: str) -> None:
    clock = Clock()
    pacing = LivePacing(mode, abandon_cap=0.03, lines=4, grace_seconds=10, clock=clock)
    first = pacing.dials(agents_connected=2)
    assert 1 <= first <= 4  # two ready agents: at least one call, never more than the lines
    for n in range(first):
        pacing.on_message(CallStarted(f"c{n}", "demo"))
    clock.now += 5
    state = pacing.state(agents_connected=2)
    assert len(state.ringing) == first and state.free_lines == 4 - first
    assert pacing.dials(agents_connected=2) <= 4 - first
    assert pacing.last_status.controller == mode


def test_a_hot_lead_nobody_takes_in_time_counts_against_the_cap() -> None:
    clock = Clock()
    pacing = LivePacing("tierdial", abandon_cap=0.03, lines=3, grace_seconds=10, clock=clock)
    for call_id in ("late", "taken", "warm"):
        pacing.on_message(CallStarted(call_id, "demo"))
        pacing.on_message(Answered(call_id))
        pacing.on_message(hot(call_id, "B" if call_id == "warm" else "A"))
    # A tier alone is no offer: the dialer says what it offers, and pacing answers only for the paced ones.
    pacing.on_message(TierDecided("warm", "A", 0.9, ("가격",), "가격 알려 주세요", is_final=True))
    clock.now += 3
    pacing.on_message(Takeover("taken", "agent1"))
    clock.now += 10
    state = pacing.state(agents_connected=1)
    assert (state.live_answers, state.abandoned) == (2, 1)
    assert len(state.talking) == 1 and state.agents_idle == 0 and len(state.waiting) == 1 and len(state.screening) == 1
    pacing.on_message(CallEnded("taken", "answered", 200, "BYE"))
    assert len(pacing.state(agents_connected=1).talking) == 0


def test_an_agent_who_takes_a_call_before_it_turns_hot_is_talking() -> None:
    clock = Clock()
    pacing = LivePacing("tierdial", abandon_cap=0.03, lines=3, grace_seconds=10, clock=clock)
    pacing.on_message(CallStarted("early", "demo"))
    pacing.on_message(Answered("early"))
    clock.now += 4
    pacing.on_message(Takeover("early", "agent1"))
    clock.now += 30
    state = pacing.state(agents_connected=1)
    assert len(state.talking) == 1 and state.agents_idle == 0
    assert state.screening == () and state.waiting == () and state.abandoned == 0
    assert pacing.dials(agents_connected=1) <= 2  # never more than the free lines, and the agent is busy


def test_with_no_agent_connected_the_bot_works_every_line() -> None:
    pacing = LivePacing("tierdial", abandon_cap=0.03, lines=3, grace_seconds=10, clock=Clock())
    assert pacing.dials(agents_connected=0) == 3


def test_an_unknown_pacing_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown pacing mode"):
        LivePacing("turbo", abandon_cap=0.03, lines=3, grace_seconds=10)


def test_a_campaign_pacing_mode_outside_the_list_is_a_config_error() -> None:
    from tierdial.errors import UserError

    with pytest.raises(UserError, match="pacing"):
        parse_config({"campaign_defaults": {"pacing": "turbo"}})


def test_the_console_serves_the_latest_pacing_status_per_campaign(tmp_path: Path) -> None:
    bus = EventBus()
    sessions = migrated_sessions(tmp_path / "console.db")
    app = create_app(parse_config({"data_dir": str(tmp_path)}), LiveFeed(bus, control=None), sessions)  # type: ignore[arg-type]
    for level in (1.5, 2.25):
        bus.publish(PacingUpdate("demo", "tierdial", level, {"answer_rate": 0.25}, 3.5, 4, 2))
    auth = {"Authorization": f"Bearer {api_token(sessions, 'metrics:read')}"}
    assert app.test_client().get("/api/v1/pacing").status_code == 401
    body = app.test_client().get("/api/v1/pacing", headers=auth).get_json()
    assert body["campaigns"] == [
        {
            "type": "PacingUpdate",
            "campaign": "demo",
            "controller": "tierdial",
            "dial_level": 2.25,
            "forecast": {"answer_rate": 0.25},
            "abandon_budget": 3.5,
            "calls_in_progress": 4,
            "agents_connected": 2,
            "lines": 0,
            "transcription_lag": 0.0,
            "hot_leads": 0,
            "hot_leads_lost": 0,
        }
    ]
