"""Pure rules of the live path: call outcomes, calling windows, caller numbers, speech ends, scenarios."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest

from dialer.calling_window import inside_window
from dialer.sim.scenario import load_scenario
from dialer.sim.voice_activity import EndOfSpeech
from dialer.telephony.pjsua2.outcome import outcome_of
from intent.rules import is_machine_greeting
from tierdial.errors import UserError


@pytest.mark.parametrize(
    ("status", "answered", "rang", "timed_out", "expected"),
    [
        (200, True, True, False, "answered"),
        (487, False, True, True, "no_answer"),
        (486, False, False, False, "busy"),
        (600, False, True, False, "busy"),
        (480, False, True, False, "no_answer"),
        (503, False, False, False, "failed"),
        (408, False, False, False, "failed"),  # nothing answered at all: the trunk is not there
        (404, False, False, False, "failed"),
    ],
)
def test_outcome_of_sip_status(status: int, answered: bool, rang: bool, timed_out: bool, expected: str) -> None:
    assert outcome_of(status, answered=answered, rang=rang, timed_out=timed_out) == expected


def test_calling_window_is_the_callees_local_time() -> None:
    nine, nine_pm = dt.time(9), dt.time(21)
    seoul_noon = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
    assert inside_window("+821012345678", nine, nine_pm, seoul_noon)
    assert not inside_window("+12125551234", nine, nine_pm, seoul_noon)  # 22:00 in New York
    seoul_dawn = dt.datetime(2026, 11, 22, 22, 30, tzinfo=dt.UTC)  # 07:30 in Seoul
    assert not inside_window("+821012345678", nine, nine_pm, seoul_dawn)


def test_a_number_spanning_zones_must_fit_them_all() -> None:
    # A toll-free North American number could be anywhere from Newfoundland to Guam: no hour fits all.
    noon_new_york = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC)
    assert not inside_window("+18005551234", dt.time(8), dt.time(21), noon_new_york)


def _frames(level: int, ms: int) -> list[bytes]:
    tone = (np.sin(np.arange(320) / 3) * level).astype(np.int16).tobytes()
    return [tone] * (ms // 20)


def test_end_of_speech_waits_for_a_real_pause() -> None:
    detector = EndOfSpeech(min_speech_ms=300, silence_ms=1200)
    results = [detector.feed(f) for f in _frames(5000, 1000) + _frames(0, 800) + _frames(5000, 500)]
    assert not any(results)  # a pause inside a sentence is not the end
    results = [detector.feed(f) for f in _frames(0, 1300)]
    assert results[-1]
    assert not EndOfSpeech().feed(_frames(0, 20)[0])  # silence alone is not the end of anything


def test_machine_greetings() -> None:
    assert is_machine_greeting("음성 사서함 입니다 메시지를 남겨 주세요")
    assert is_machine_greeting("please leave a message after the tone")
    assert is_machine_greeting("请在提示音后留言")
    assert not is_machine_greeting("네 좋아요 신청할게요")


def test_scenario_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("numbers:\n  '+821000000001': {action: teleport}\n", encoding="utf-8")
    with pytest.raises(UserError, match=re.escape("numbers.+821000000001.action")):
        load_scenario(bad)
    bad.write_text("numbers:\n  '+821000000001': {action: voicemail}\n", encoding="utf-8")
    with pytest.raises(UserError, match="greeting"):
        load_scenario(bad)
    bad.write_text("numbers:\n  '+821000000001': {say: [{wav: nowhere.wav}]}\n", encoding="utf-8")
    with pytest.raises(UserError, match=re.escape("nowhere.wav: WAV not found")):
        load_scenario(bad)
    bad.write_text("numbers:\n  '+821000000001': {say: [{wav: heldout/ko_E_040.wav, after: cue}]}\n", encoding="utf-8")
    with pytest.raises(UserError, match="names its `cue` file"):
        load_scenario(bad)
    good = tmp_path / "good.yaml"
    good.write_text("numbers:\n  '+821000000001': {say: [{wav: heldout/ko_E_040.wav, after: cue, cue: go}]}\n",
                    encoding="utf-8")  # fmt: skip
    line = load_scenario(good).for_number("+821000000001").say[0]
    assert line.wav.is_file() and line.cue == tmp_path / "go"  # a cue is a file beside the scenario
    assert load_scenario(good).for_number("+829999999999").action == "no_answer"
