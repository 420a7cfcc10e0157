"""Operations scrape the live dialer's figures from /metrics with a scoped token."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from asr.load import AsrLoad
from console.app import create_app
from console.live import LiveFeed
from console.tokens import create_token
from dialer.telephony.legs import LegKind, new_leg
from tests.helpers import migrated_sessions
from tierdial.bus import EventBus
from tierdial.config import parse_config
from tierdial.messages import (
    AudioGaps,
    CallEnded,
    CallStarted,
    HotLeadExpired,
    HotLeadOffered,
    PacingUpdate,
    Takeover,
    TierDecided,
)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


class _Dialer:
    """What /metrics reads of a dialer besides its bus: the recogniser's load."""

    def __init__(self) -> None:
        self.asr_load = AsrLoad()


def test_metrics_count_calls_tiers_and_show_pacing(tmp_path: Path) -> None:
    sessions = migrated_sessions(tmp_path / "metrics.db")
    with sessions.begin() as s:
        scraper = create_token(s, "prometheus", ["metrics:read"], "admin")
        other = create_token(s, "crm sync", ["lists:write"], "admin")
    bus = EventBus()
    dialer = _Dialer()
    app = create_app(parse_config({"data_dir": str(tmp_path / "var")}), LiveFeed(bus, dialer), sessions)  # type: ignore[arg-type]
    dialer.asr_load.add(audio_ms=3000, decode_ms=600)  # three seconds of a callee decoded in 0.6 s
    dialer.asr_load.add(audio_ms=1000, decode_ms=200)
    for n in range(3):
        bus.publish(CallStarted(f"c{n}", "spring"))
    bus.publish(TierDecided("c0", "A", 0.9, ("가격",), "가격이 얼마예요", is_final=True))
    bus.publish(TierDecided("c1", "A", 0.6, (), "가격", is_final=False))  # a partial's guess is not counted
    bus.publish(HotLeadOffered("c0", "spring", "A", 0.9, ("가격",), "가격이 얼마예요", paced=True))
    bus.publish(HotLeadOffered("c1", "spring", "B", 0.7, ("글쎄요",), "글쎄요 조건이 어떻게 돼요"))
    bus.publish(HotLeadOffered("c1", "spring", "A", 0.9, ("가격",), "가격은요", paced=True))
    bus.publish(HotLeadExpired("c1", "spring", "A"))
    bus.publish(Takeover("c0", "agent1"))
    bus.publish(AudioGaps("c0", concealed_ms=40, missing_ms=0, longest_ms=20))  # two blips the call rode over
    bus.publish(AudioGaps("c1", concealed_ms=240, missing_ms=60, longest_ms=280))  # an overloaded moment
    bus.publish(CallEnded("c0", "answered", 200, "Normal call clearing"))
    bus.publish(CallEnded("c2", "busy", 486, "Busy Here"))
    bus.publish(CallEnded(new_leg(LegKind.agent, "agent1"), "answered", 200, ""))  # an agent's own leg is not a call
    pacing = PacingUpdate("spring", "tierdial", 1.5, {}, 2.0, 1, 1, lines=6, transcription_lag=0.4)
    bus.publish(dataclasses.replace(pacing, hot_leads=4, hot_leads_lost=1))

    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    reply = client.get("/metrics", headers={"Authorization": f"Bearer {scraper}"})
    assert reply.status_code == 200 and reply.mimetype == "text/plain"
    figures = _samples(reply.get_data(as_text=True))
    assert figures[("tierdial_calls_started_total", (("campaign", "spring"),))] == 3
    assert figures[("tierdial_calls_ended_total", (("outcome", "answered"),))] == 1
    assert figures[("tierdial_calls_ended_total", (("outcome", "busy"),))] == 1
    assert figures[("tierdial_tiers_decided_total", (("tier", "A"),))] == 1
    assert figures[("tierdial_takeovers_total", ())] == 1
    assert figures[("tierdial_hot_leads_offered_total", (("tier", "A"),))] == 2
    assert figures[("tierdial_hot_leads_offered_total", (("tier", "B"),))] == 1
    assert figures[("tierdial_hot_leads_expired_total", ())] == 1
    assert figures[("tierdial_pacing_dial_level", (("campaign", "spring"),))] == 1.5
    assert figures[("tierdial_lines", (("campaign", "spring"),))] == 6
    assert figures[("tierdial_abandon_rate", (("campaign", "spring"),))] == 0.25
    assert figures[("tierdial_transcription_lag_seconds", (("campaign", "spring"),))] == 0.4
    assert abs(figures[("tierdial_callee_audio_broken_seconds_total", (("kind", "concealed"),))] - 0.28) < 1e-9
    assert figures[("tierdial_callee_audio_broken_seconds_total", (("kind", "missing"),))] == 0.06
    assert figures[("tierdial_calls_with_broken_audio_total", ())] == 1
    assert figures[("tierdial_asr_audio_seconds_total", ())] == 4.0
    assert figures[("tierdial_asr_decode_seconds_total", ())] == 0.8
    assert abs(figures[("tierdial_asr_real_time_factor", ())] - 0.2) < 1e-9
