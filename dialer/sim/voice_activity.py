"""Telling when the other side has finished speaking, from 20 ms frames. Pure."""

from __future__ import annotations

import numpy as np

SPEECH_RMS = 300.0  # of 32768: well above line noise, well below speech


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
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
        loud = samples.size > 0 and float(np.sqrt(np.mean(samples * samples))) > SPEECH_RMS
        if loud:
            self._speech += 1
            self._silence = 0
        elif self._speech >= self.min_speech_frames:
            self._silence += 1
        return self._speech >= self.min_speech_frames and self._silence >= self.silence_frames
