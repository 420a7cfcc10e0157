"""Only speech is decoded: the gate's passages, and transcripts timed in the call despite the gaps."""

from __future__ import annotations

import itertools

from asr.audio import frames, read_wav
from asr.engine import AsrEngine
from asr.speech_gate import HANGOVER_MS, PREROLL_MS, SpeechGate
from dialer.sim.voice_activity import speech_span
from tests.helpers import SPEECH
from tierdial.messages import FinalTranscript

RATE = 16000


def _silence(seconds: float) -> bytes:
    return bytes(2 * int(RATE * seconds))


def _utterance(speech_rows: list[dict], tier: str) -> bytes:
    row = next(r for r in speech_rows if r["split"] == "heldout" and r["tier"] == tier)
    return read_wav(SPEECH / row["file"]).pcm


def test_silence_is_held_back_and_speech_passes_with_a_margin(speech_rows: list[dict]) -> None:
    speech = _utterance(speech_rows, "A")
    onset, end = speech_span(speech, RATE)
    gate = SpeechGate(RATE)
    # Odd chunk sizes, as a resampler hands them over: the gate cuts its own frames.
    pcm = _silence(5.0) + speech + _silence(5.0)
    passages = [p for start in range(0, len(pcm), 700) for p in gate.feed(pcm[start : start + 700])]

    passed = sum(len(p.pcm) // 2 for p in passages) / RATE
    assert passed < 0.5 * len(pcm) / 2 / RATE  # most of the silence never reaches the recogniser
    first = passages[0].start_sample / RATE
    assert 5.0 + onset - PREROLL_MS / 1000 - 0.1 <= first <= 5.0 + onset
    closing = [p for p in passages if p.ends_speech]
    assert len(closing) == 1 and not gate.open
    closed_at = (closing[0].start_sample + len(closing[0].pcm) // 2) / RATE
    assert 5.0 + end + HANGOVER_MS / 1000 - 0.1 <= closed_at <= 5.0 + end + HANGOVER_MS / 1000 + 0.6
    for before, after in itertools.pairwise(passages):  # in order, never overlapping
        assert before.start_sample + len(before.pcm) // 2 <= after.start_sample


def test_words_keep_their_times_in_the_call_across_skipped_silence(
    asr_engine: AsrEngine, speech_rows: list[dict]
) -> None:
    first, second = _utterance(speech_rows, "C"), _utterance(speech_rows, "A")
    pcm = _silence(6.0) + first + _silence(4.0) + second + _silence(2.0)
    stream = asr_engine.open_stream("gated", RATE)
    finals = [r for f in frames(pcm, RATE) for r in stream.feed(f) if isinstance(r, FinalTranscript)]
    finals += [r for r in stream.close() if isinstance(r, FinalTranscript)]

    assert len(finals) >= 2
    second_at = 6.0 + len(first) / 2 / RATE + 4.0
    placed = [(6.0, speech_span(first, RATE)), (second_at, speech_span(second, RATE))]
    spans = [(at + start, at + end) for at, (start, end) in placed]
    words = [w for f in finals for w in f.words]
    assert words
    for word in words:  # every word lies inside one of the two utterances, in call time
        assert any(s - 0.3 <= word.start_ms / 1000 and word.end_ms / 1000 <= e + 0.3 for s, e in spans), word
    assert finals[0].start_ms / 1000 >= spans[0][0] - 0.3
    assert finals[-1].start_ms / 1000 >= spans[1][0] - 0.3
