"""Which stretches of a call's audio are worth decoding: speech, a little before it and a second after.

A callee is silent for much of a call (while the bot speaks, between their sentences),
and the recogniser spends nearly as much on a second of silence as on a second of
speech. The gate lets through speech with `preroll_ms` before it (so no word's onset is
lost) and `hangover_ms` after it (longer than the recogniser's own end-of-utterance
rules, so utterances close as they would on the whole audio), and holds back the rest.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import webrtcvad

FRAME_MS = 20
PREROLL_MS = 300
HANGOVER_MS = 1200
# WebRTC's most aggressive mode: the others take steady line noise for speech after a long utterance.
AGGRESSIVENESS = 3


@dataclass(frozen=True, slots=True)
class Passage:
    """Audio to decode: `pcm` starts `start_sample` samples into the call; `ends_speech` closes the utterance.

    A passage that opens an utterance says where in the call its first speech frame is (`onset_sample`), after
    the preroll; the others have -1 there."""

    pcm: bytes
    start_sample: int
    ends_speech: bool = False
    onset_sample: int = -1


class SpeechGate:
    def __init__(self, rate: int, preroll_ms: int = PREROLL_MS, hangover_ms: int = HANGOVER_MS) -> None:
        self.rate = rate
        self._frame_bytes = rate * FRAME_MS // 1000 * 2
        self._vad = webrtcvad.Vad(AGGRESSIVENESS)
        self._preroll: deque[bytes] = deque(maxlen=max(1, preroll_ms // FRAME_MS))
        self._hangover_frames = max(1, hangover_ms // FRAME_MS)
        self._pending = b""  # less than a frame, waiting for the rest
        self._samples = 0  # the call position of the next whole frame
        self._quiet_frames = 0
        self.open = False

    def feed(self, pcm: bytes) -> list[Passage]:
        data = self._pending + pcm
        whole = len(data) - len(data) % self._frame_bytes
        self._pending = data[whole:]
        passages: list[Passage] = []
        for start in range(0, whole, self._frame_bytes):
            passage = self._frame(data[start : start + self._frame_bytes])
            if passage is not None:
                passages.append(passage)
        return _joined(passages)

    def flush(self) -> Passage | None:
        """What is left when the call ends: the partial frame, if speech was still going on."""
        rest, self._pending = self._pending, b""
        if not (self.open and rest):
            return None
        return Passage(rest, self._samples, ends_speech=True)

    def _frame(self, frame: bytes) -> Passage | None:
        start = self._samples
        self._samples += len(frame) // 2
        speech = self._vad.is_speech(frame, self.rate)
        if not self.open:
            if not speech:
                self._preroll.append(frame)
                return None
            self.open, self._quiet_frames = True, 0
            before = b"".join(self._preroll)
            self._preroll.clear()
            return Passage(before + frame, start - len(before) // 2, onset_sample=start)
        self._quiet_frames = 0 if speech else self._quiet_frames + 1
        if self._quiet_frames >= self._hangover_frames:
            self.open = False
            return Passage(frame, start, ends_speech=True)
        return Passage(frame, start)


def _joined(passages: list[Passage]) -> list[Passage]:
    """Contiguous passages as one, so the recogniser is called once per chunk of audio, not per frame."""
    out: list[Passage] = []
    for passage in passages:
        last = out[-1] if out else None
        if last is not None and not last.ends_speech and last.start_sample + len(last.pcm) // 2 == passage.start_sample:
            out[-1] = Passage(last.pcm + passage.pcm, last.start_sample, passage.ends_speech, last.onset_sample)
        else:
            out.append(passage)
    return out
