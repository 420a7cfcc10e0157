"""The dialer follows what live transcription keeps up with: lines, and silence timed in heard audio."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.live_calls import ASR_STALE_SECONDS, LiveCall, silence_heard, transcription_lag
from dialer.pacing.headroom import (
    BEHIND_SECONDS,
    CAUGHT_UP_SECONDS,
    START_LINES,
    STEP_SECONDS,
    TranscriptionHeadroom,
)

pytestmark = pytest.mark.realtime


def test_lines_grow_one_at_a_time_while_transcription_keeps_up() -> None:
    headroom = TranscriptionHeadroom(ceiling=10)
    assert headroom.lines == START_LINES
    now = 0.0
    seen = []
    for _ in range(20):
        seen.append(headroom.update(0.05, calls_in_progress=headroom.lines, now=now))
        now += STEP_SECONDS
    assert seen[:3] == [START_LINES + 1, START_LINES + 2, START_LINES + 3]
    assert max(seen) == 10 and not headroom.holding_back


def test_lines_are_not_added_while_they_are_not_all_in_use() -> None:
    headroom = TranscriptionHeadroom(ceiling=10)
    assert headroom.update(0.0, calls_in_progress=2, now=0.0) == START_LINES


def test_a_quarter_of_the_lines_go_when_transcription_falls_behind_and_it_waits_for_the_backlog() -> None:
    headroom = TranscriptionHeadroom(ceiling=40, lines=12)
    behind = BEHIND_SECONDS + 0.5
    assert headroom.update(behind, calls_in_progress=12, now=0.0) == 9
    assert headroom.update(behind, calls_in_progress=12, now=1.0) == 9  # the cut has not had time to work
    assert headroom.update(behind, calls_in_progress=10, now=STEP_SECONDS) == 6
    draining = (BEHIND_SECONDS + CAUGHT_UP_SECONDS) / 2
    assert headroom.update(draining, calls_in_progress=7, now=2 * STEP_SECONDS) == 6  # no change either way
    assert headroom.holding_back


@given(st.lists(st.tuples(st.floats(0, 30), st.integers(0, 60)), max_size=200), st.integers(1, 60))
def test_lines_stay_between_one_and_the_campaigns_own(steps: list[tuple[float, int]], ceiling: int) -> None:
    headroom = TranscriptionHeadroom(ceiling=ceiling)
    for tick, (lag, calls) in enumerate(steps):
        assert 1 <= headroom.update(lag, calls, now=tick * 0.7) <= ceiling


def _listening_call(lag: float = 0.0, reported_at: float = 0.0) -> LiveCall:
    call = LiveCall("c1", "demo", 1, 1, "+821012345678", started=0.0, language="ko", answered_at=1.0)
    call.listening_since, call.asr_lag, call.asr_reported_at = 2.0, lag, reported_at
    return call


def test_words_still_queued_for_transcription_are_not_silence() -> None:
    assert silence_heard(_listening_call(lag=0.0, reported_at=13.5), now=14.0) == 12.0
    assert silence_heard(_listening_call(lag=6.0, reported_at=13.5), now=14.0) == 6.0


def test_a_recogniser_that_stopped_reporting_counts_as_behind() -> None:
    call = _listening_call(lag=0.0, reported_at=3.0)
    assert transcription_lag(call, now=20.0) == 20.0 - 3.0 - ASR_STALE_SECONDS
    assert silence_heard(call, now=20.0) < 10.0
    not_answered = LiveCall("c2", "demo", 1, 2, "+821012345679", started=0.0, language="ko")
    assert transcription_lag(not_answered, now=100.0) == 0.0
