"""Each answered call tells, as it ends, how much of the callee's audio came through broken: nothing on a
healthy call; the stretch a stalled far end left out (what an overloaded machine or network does to calls)."""

from __future__ import annotations

import json
import os
import queue
import signal
import time
import uuid
from pathlib import Path

import pytest

from asr.audio_breaks import AudioArrivals, BrokenAudio
from dialer.telephony.engine import Dial
from dialer.telephony.registry import make_engine as make_telephony
from tests.helpers import dialling_config, messages_until
from tierdial.messages import Answered, AudioGaps, CallEnded
from tierdial.processes import start_service

pytestmark = pytest.mark.realtime

STALL_SECONDS = 0.6


@pytest.mark.timeout(120)
@pytest.mark.parametrize("stalls", ["far end", "dialer's SIP process"])
def test_a_stall_shows_as_a_gap_in_the_callee_audio(tmp_path: Path, asr_service, stalls: str) -> None:
    steady_phone, stalling_phone = "+821020000201", "+821020000202"
    scenario = tmp_path / "callees.json"
    numbers = {phone: {"action": "answer", "hangup_after_seconds": 60} for phone in (steady_phone, stalling_phone)}
    scenario.write_text(json.dumps({"numbers": numbers}), encoding="utf-8")
    steady_sim = start_service(["sim", "callees", "--scenario", str(scenario)], "listening on")
    stalling_sim = start_service(["sim", "callees", "--scenario", str(scenario)], "listening on")
    messages: queue.Queue[object] = queue.Queue()
    engine = make_telephony(dialling_config(steady_sim.address[1], workers=1), messages.put, asr_service)
    engine.start()
    steady, stalling = str(uuid.uuid4()), str(uuid.uuid4())
    try:
        for call_id, phone, sim in ((steady, steady_phone, steady_sim), (stalling, stalling_phone, stalling_sim)):
            engine.originate(Dial(call_id, f"sip:{phone}@127.0.0.1:{sim.address[1]}", "+82234567890", "tierdial", 15))
        seen = messages_until(messages, lambda m: isinstance(m, Answered) and m.call_id == steady)
        if not any(isinstance(m, Answered) and m.call_id == stalling for m in seen):
            seen += messages_until(messages, lambda m: isinstance(m, Answered) and m.call_id == stalling)
        # The calls' course is what is measured, and it is timed: two seconds of steady audio, a stall of a known
        # length, two more seconds (the broken audio is read every half second while a call is up).
        time.sleep(2)
        [worker] = engine.worker_pids
        stalled = stalling_sim.pid if stalls == "far end" else worker
        os.kill(stalled, signal.SIGSTOP)  # the process stops for a moment, as one starved of CPU does
        time.sleep(STALL_SECONDS)
        os.kill(stalled, signal.SIGCONT)
        time.sleep(2)
        for call_id in (steady, stalling):
            engine.hangup(call_id)
        ended: set[str] = set()

        def both_ended(message: object) -> bool:
            if isinstance(message, CallEnded):
                ended.add(message.call_id)
            return ended >= {steady, stalling}

        seen += messages_until(messages, both_ended)
    finally:
        engine.stop()
        steady_sim.stop()
        stalling_sim.stop()
    gaps = {m.call_id: m for m in seen if isinstance(m, AudioGaps)}
    assert set(gaps) == {steady, stalling}, seen
    for call_id in (steady, stalling):  # told while the call is still known, before its end
        kinds = [type(m) for m in seen if getattr(m, "call_id", "") == call_id]
        assert kinds.index(AudioGaps) < kinds.index(CallEnded)
    half_the_stall = STALL_SECONDS * 1000 / 2
    if stalls == "far end":  # the jitter buffer fills in what did not come, on that call only
        assert not gaps[steady].audible, gaps[steady]
        assert gaps[stalling].concealed_ms >= half_the_stall and gaps[stalling].audible, gaps[stalling]
    else:  # the dialer's bridge skipped that stretch of every call it holds
        assert all(g.missing_ms >= half_the_stall and g.audible for g in gaps.values()), gaps


def test_audio_counts_as_missing_only_where_it_stopped_coming() -> None:
    steady, stalled, coarse = AudioArrivals(20), AudioArrivals(20), AudioArrivals(20)
    for n in range(100):
        steady.arrived(20, now=n * 0.020 + (0.015 if n % 7 == 0 else 0))  # some frames a little late
        stalled.arrived(20, now=n * 0.020 + (0.6 if n >= 50 else 0))  # half a second and more of nothing
    for n in range(60):
        coarse.arrived(30, now=n * 0.030)  # a far end that sends 30 ms at a time
    assert steady.missing_ms() == 0 and coarse.missing_ms() == 0
    assert stalled.missing_ms() == 600
    assert AudioArrivals(20).missing_ms() == 0  # nothing came at all: nothing to judge


def test_a_stretch_lost_at_once_is_told_from_blips_spread_over_a_call() -> None:
    blips, stretch = BrokenAudio(), BrokenAudio()
    for reading in range(1, 11):  # one concealed frame in each half second
        blips.read(concealed_ms=20 * reading, missing_ms=0)
        stretch.read(concealed_ms=0, missing_ms=200 if reading >= 6 else 0)
    assert (blips.concealed_ms, blips.longest_ms) == (200, 20)
    assert (stretch.missing_ms, stretch.longest_ms) == (200, 200)


def test_audio_that_came_late_but_whole_is_no_gap() -> None:
    caught_up, lost = BrokenAudio(), BrokenAudio()
    for missing in (0, 0, 180, 60, 0, 0):  # a reader held up for 180 ms that then read all it had missed
        caught_up.read(concealed_ms=0, missing_ms=missing)
    for missing in (0, 0, 180, 120, 120, 120):  # 120 ms of it never came
        lost.read(concealed_ms=0, missing_ms=missing)
    assert (caught_up.missing_ms, caught_up.longest_ms) == (0, 0)
    assert (lost.missing_ms, lost.longest_ms) == (120, 120)
