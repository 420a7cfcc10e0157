"""The dialer says which calls are hot leads offered to agents, and which offers nobody took in time: observers read
those messages and never judge tiers themselves. No SIP: an engine that records what it is asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from dialer.call_flow import TAKEOVER_WAIT_SECONDS, CallCommandError, CallFlow
from dialer.models import Contact, ContactStatus
from dialer.telephony.engine import Dial
from number_pool.pool import sync_numbers
from tests.helpers import NOON_IN_SEOUL, dialling_config, free_port, migrated_sessions, seed_campaign
from tierdial.bus import EventBus
from tierdial.messages import (
    Answered,
    CallEnded,
    HotLeadExpired,
    HotLeadOffered,
    PromptFinished,
    Takeover,
    TierDecided,
)

WARM, TAKEN, COLD = "+821040000001", "+821040000002", "+821040000003"


class _Engine:
    """Plays nothing, bridges nothing: records the prompts the bot asks for."""

    def __init__(self) -> None:
        self.played: list[tuple[str, str]] = []

    def originate(self, dial: Dial) -> None:
        pass

    def play(self, call_id: str, wav: Path, prompt: str) -> None:
        self.played.append((call_id, prompt))

    def stop_playing(self, call_id: str) -> None:
        pass

    def bridge(self, call_id: str, leg: str) -> None:
        pass

    def hangup(self, call_id: str) -> None:
        pass


def _decided(call_id: str, tier: str, is_final: bool = True) -> TierDecided:
    return TierDecided(call_id, tier, 0.9, ("가격",), "가격이 얼마예요", is_final)


def test_hot_leads_are_offered_once_again_when_hotter_and_expire_unless_taken(tmp_path: Path, intent_model) -> None:  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(tmp_path / "hot.db")
    campaign_id = seed_campaign(sessions, "spring", [WARM, TAKEN, COLD])
    config = dialling_config(free_port(), data_dir=str(tmp_path / "var"))
    bus = EventBus()
    seen: list[object] = []
    bus.subscribe(seen.append)
    flow = CallFlow(config, sessions, intent_model, bus, clock=lambda: NOON_IN_SEOUL)
    engine = _Engine()
    flow.engine = engine  # type: ignore[assignment]
    with sessions() as s:
        contact_of = {c.phone_e164: c.id for c in s.scalars(select(Contact))}
    calls = {phone: flow.dial("spring", campaign_id, id_, phone, "+82234567890") for phone, id_ in contact_of.items()}
    warm, taken, cold = calls[WARM], calls[TAKEN], calls[COLD]
    for call_id in calls.values():
        flow.on_event(Answered(call_id))

    flow.on_event(_decided(warm, "A", is_final=False))  # a partial's guess offers nothing
    flow.on_event(_decided(warm, "B"))
    flow.on_event(_decided(warm, "A"))  # hotter: offered again, to the front of the queue
    flow.on_event(_decided(warm, "B"))  # cooler: still offered as A
    flow.on_event(_decided(cold, "D"))
    flow.desk.agent_legs["ann"] = "agent-ann-1"  # as when her phone answered the shift's call
    flow.take_over(taken, "ann")
    flow.on_event(_decided(taken, "A"))  # the agent has the call: nothing to offer
    offers = [m for m in seen if isinstance(m, HotLeadOffered)]
    assert [(m.call_id, m.tier, m.paced, m.campaign) for m in offers] == [
        (warm, "B", False, "spring"),
        (warm, "A", True, "spring"),
    ]
    # Each offer follows the decision that made it, as observers see them.
    assert seen.index(offers[0]) == seen.index(_decided(warm, "B")) + 1
    assert (warm, "agent") in engine.played and not any(isinstance(m, Takeover) and m.call_id == warm for m in seen)

    flow.on_event(PromptFinished(warm, "agent"))  # the bot has told the callee an agent is coming
    flow.watchdog()
    assert not [m for m in seen if isinstance(m, HotLeadExpired)]  # within the takeover wait
    flow.calls[warm].offered_at -= TAKEOVER_WAIT_SECONDS + 1
    flow.watchdog()
    flow.watchdog()
    assert [m for m in seen if isinstance(m, HotLeadExpired)] == [HotLeadExpired(warm, "spring", "A")]
    assert engine.played[-1] == (warm, "callback")

    flow.on_event(CallEnded(warm, "answered", 200, "BYE"))
    with sessions() as s:
        assert s.get(Contact, contact_of[WARM]).status is ContactStatus.callback  # the hot lead is called back soon


def test_a_callee_who_opted_out_is_never_taken_over(tmp_path: Path, intent_model) -> None:  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(tmp_path / "stop.db")
    campaign_id = seed_campaign(sessions, "spring", [WARM])
    config = dialling_config(free_port(), data_dir=str(tmp_path / "var"))
    with sessions.begin() as s:
        sync_numbers(s, config.caller_numbers)  # an opt-out counts against the number that called
    flow = CallFlow(config, sessions, intent_model, EventBus(), clock=lambda: NOON_IN_SEOUL)
    engine = _Engine()
    flow.engine = engine  # type: ignore[assignment]
    with sessions() as s:
        contact_id = s.scalar(select(Contact.id))
    call_id = flow.dial("spring", campaign_id, contact_id, WARM, "+82234567890")
    flow.on_event(Answered(call_id))
    flow.on_event(TierDecided(call_id, "E", 0.97, ("전화하지 마",), "다시는 전화하지 마세요", True, by_rule=True))
    flow.desk.agent_legs["ann"] = "agent-ann-1"

    with pytest.raises(CallCommandError) as refused:
        flow.take_over(call_id, "ann")
    assert refused.value.status == 409 and "opted out" in str(refused.value)
    assert engine.played[-1] == (call_id, "opt_out")  # the bot's goodbye goes on; nobody pitches after "stop"
    assert flow.calls[call_id].taken_over_by is None
