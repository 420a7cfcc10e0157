"""The second pass: Whisper re-transcribes each finished utterance, several at a time.

Whisper decodes 30 s windows whatever they hold, so one short utterance costs nearly
as much as a full window. Workers therefore take every waiting utterance of one
language that fits in a window (of any call), lay them end to end with silence
between, decode once and hand each utterance back its own words (`whisper_text`).
Each worker decodes on its own CTranslate2 replica with one thread: on a few cores
that outruns one replica with several threads, whose window decode is mostly serial.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from asr import whisper_text
from asr.audio import MODEL_RATE
from asr.backend import Heard, HeardWord

log = logging.getLogger(__name__)
WINDOW_SECONDS = 28.0  # of Whisper's 30: room for the gaps' rounding and a last word's tail
GAP_SECONDS = 1.0  # silence between utterances: enough for Whisper to end a segment there
LANGUAGES = ("ko", "zh", "en")


@dataclass(eq=False)  # told apart by identity: comparing the audio of two would compare arrays
class _Utterance:
    audio: np.ndarray  # float32 at 16 kHz
    language: str
    result: Future[Heard] = field(default_factory=Future)

    @property
    def seconds(self) -> float:
        return len(self.audio) / MODEL_RATE


@dataclass
class PassLoad:
    """Seconds of speech decoded, and seconds spent decoding it: one thread per worker, so near its CPU time."""

    speech_seconds: float = 0.0
    decode_seconds: float = 0.0
    windows: int = 0


class WhisperPass:
    def __init__(self, model: Any, workers: int) -> None:
        self._model = model
        self._waiting: deque[_Utterance] = deque()
        self._ready = threading.Condition()
        self._closed = False
        self.load = PassLoad()
        self._threads = [
            threading.Thread(target=self._work, name=f"whisper-{n}", daemon=True) for n in range(max(1, workers))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, pcm: bytes, language: str) -> Future[Heard]:
        """An utterance's 16 kHz PCM; its transcript arrives on the future (empty text: nothing worth keeping)."""
        if language not in LANGUAGES:
            raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
        audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        utterance = _Utterance(audio[: int(WINDOW_SECONDS * MODEL_RATE)], language)
        with self._ready:
            if self._closed:
                utterance.result.set_result(Heard(""))
                return utterance.result
            self._waiting.append(utterance)
            self._ready.notify()
        return utterance.result

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()
        for thread in self._threads:
            thread.join(timeout=60)

    def _next_window(self) -> list[_Utterance] | None:
        with self._ready:
            while not self._waiting and not self._closed:
                self._ready.wait()
            if not self._waiting:
                return None
            first = self._waiting.popleft()
            window, seconds = [first], first.seconds
            left: deque[_Utterance] = deque()
            for other in self._waiting:
                if other.language == first.language and seconds + GAP_SECONDS + other.seconds <= WINDOW_SECONDS:
                    window.append(other)
                    seconds += GAP_SECONDS + other.seconds
                else:
                    left.append(other)
            self._waiting = left
            return window

    def _work(self) -> None:
        while (window := self._next_window()) is not None:
            try:
                heard = self._decode(window)
            except Exception as exc:  # a failed window must not leave its calls waiting for ever
                log.exception("Whisper failed on a window of %d utterances", len(window))
                for utterance in window:
                    utterance.result.set_exception(exc)
                continue
            for utterance, result in zip(window, heard, strict=True):
                utterance.result.set_result(result)

    def _decode(self, window: list[_Utterance]) -> list[Heard]:
        gap = np.zeros(int(GAP_SECONDS * MODEL_RATE), dtype=np.float32)
        pieces, spans, at = [], [], 0
        for utterance in window:
            pieces += [utterance.audio, gap]
            spans.append((at / MODEL_RATE, (at + len(utterance.audio)) / MODEL_RATE))
            at += len(utterance.audio) + len(gap)
        started = time.perf_counter()
        segments, _ = self._model.transcribe(
            np.concatenate(pieces),
            language=window[0].language,
            task="transcribe",
            beam_size=1,  # greedy: on these utterances as accurate as a beam of 5, for two thirds of the time
            temperature=0.0,  # no fallback re-decodes: loops are trimmed after, at no extra cost
            condition_on_previous_text=False,  # utterances of other calls are no context for this one
            without_timestamps=False,
            word_timestamps=True,
            vad_filter=False,  # the speech gate already chose what to decode
        )
        decoded = [
            whisper_text.Segment(
                tuple(HeardWord(w.word, w.start, w.end, w.probability) for w in s.words or ()),
                s.no_speech_prob,
                s.avg_logprob,
            )
            for s in segments
        ]
        with self._ready:
            self.load.decode_seconds += time.perf_counter() - started
            self.load.speech_seconds += sum(u.seconds for u in window)
            self.load.windows += 1
        language = window[0].language  # a window holds one language
        return [whisper_text.heard(words, language) for words in whisper_text.split(decoded, spans)]
