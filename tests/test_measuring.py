"""The pure helpers behind the relay and the live benchmark: frame queue, speech span, sound onsets."""

from __future__ import annotations

import numpy as np

from dialer.sim.voice_activity import SoundOnsets, speech_span
from dialer.telephony.pjsua2.relay import FrameQueue

RATE = 16000
FRAME = RATE // 50  # 20 ms


def _audio(*parts: tuple[str, float]) -> bytes:
    chunks = []
    for kind, seconds in parts:
        n = int(RATE * seconds)
        loud = 8000 * np.sin(2 * np.pi * 440 * np.arange(n) / RATE)
        chunks.append((loud if kind == "tone" else np.zeros(n)).astype(np.int16))
    return np.concatenate(chunks).tobytes()


def test_relay_queue_keeps_the_delay_short() -> None:
    queue = FrameQueue(limit=4)
    for i in range(10):  # the other side ran ahead: only the newest 80 ms are kept
        queue.push(bytes([i]))
    assert len(queue) == 4 and queue.pop() == bytes([6])
    queue.clear()
    assert queue.pop() is None


def test_speech_span_skips_leading_and_trailing_silence() -> None:
    start, end = speech_span(_audio(("quiet", 0.3), ("tone", 1.0), ("quiet", 0.5)), RATE)
    assert abs(start - 0.3) <= 0.02 and abs(end - 1.3) <= 0.02
    assert speech_span(_audio(("quiet", 1.0)), RATE) == (0.0, 0.0)


def test_sound_onsets_mark_each_start_after_quiet() -> None:
    onsets = SoundOnsets(quiet_ms=300)
    pcm = _audio(("quiet", 0.5), ("tone", 0.4), ("quiet", 0.1), ("tone", 0.2), ("quiet", 0.4), ("tone", 0.2))
    frames = [pcm[i : i + 2 * FRAME] for i in range(0, len(pcm), 2 * FRAME)]
    for index, frame in enumerate(frames):
        onsets.feed(frame, now=index * 0.02)
    # A 100 ms gap is the same stretch of talk; after 400 ms of quiet, talk starts again.
    assert [round(t, 2) for t in onsets.times] == [0.5, 1.6]
