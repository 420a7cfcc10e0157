"""Telling when the other side has finished speaking, from 20 ms frames. Pure."""

from __future__ import annotations

import numpy as np

SPEECH_RMS = 300.0  # of 32768: well above line noise, well below speech


def is_loud(pcm: bytes) -> bool:
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
    return samples.size > 0 and float(np.sqrt(np.mean(samples * samples))) > SPEECH_RMS


def speech_span(pcm: bytes, rate: int, frame_ms: int = 20) -> tuple[float, float]:
    """Seconds from a recording's start to its first loud 20 ms frame and to the end of its last one."""
    size = rate * frame_ms // 1000 * 2
    loud = [start for start in range(0, len(pcm), size) if is_loud(pcm[start : start + size])]
    if not loud:
        return 0.0, 0.0
    return loud[0] / 2 / rate, (loud[-1] + size) / 2 / rate


class SoundOnsets:
    """Wall-clock times at which sound starts after at least `quiet_ms` of quiet."""

    def __init__(self, quiet_ms: int = 300, frame_ms: int = 20) -> None:
        self.quiet_frames = quiet_ms // frame_ms
        self._quiet = self.quiet_frames
        self.times: list[float] = []

    def feed(self, pcm: bytes, now: float) -> None:
        if is_loud(pcm):
            if self._quiet >= self.quiet_frames:
                self.times.append(now)
            self._quiet = 0
        else:
            self._quiet += 1


class EndOfSpeech:
    """True once at least `min_speech_ms` of speech has been followed by `silence_ms` of silence."""

    def __init__(self, min_speech_ms: int = 300, silence_ms: int = 1200, frame_ms: int = 20) -> None:
        self.min_speech_frames = min_speech_ms // frame_ms
        self.silence_frames = silence_ms // frame_ms
        self.reset()

    def reset(self) -> None:
        self._speech = 0
        self._silence = 0

    def feed(self, pcm: bytes) -> bool:
        if is_loud(pcm):
            self._speech += 1
            self._silence = 0
        elif self._speech >= self.min_speech_frames:
            self._silence += 1
        return self._speech >= self.min_speech_frames and self._silence >= self.silence_frames
