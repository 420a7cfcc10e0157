"""Streaming recognition of one call's audio, on recognisers reused from a pool.

A fresh Vosk recogniser is about ten times slower for its first seconds, so streams
borrow warm ones from a pool and hand them back reset.
"""

from __future__ import annotations

import json
import queue
import re
from typing import Any

from asr.audio import MODEL_RATE, ToModelRate
from tierdial.messages import FinalTranscript, PartialTranscript, Word

Result = PartialTranscript | FinalTranscript
# The Korean model writes noise and filler as bracketed tokens ("[0]", "[4]"): not words anyone said.
_NOISE_TOKEN = re.compile(r"\[[^\]]*\]")
_FINISHING_SILENCE = bytes(2 * MODEL_RATE // 100)  # 10 ms


def _clean(text: str) -> str:
    return " ".join(_NOISE_TOKEN.sub(" ", text).split())


class PooledRecognizer:
    """A Vosk recogniser and how much audio it has heard: its word times keep counting across Reset()."""

    def __init__(self, model: Any) -> None:
        import vosk

        self.vosk = vosk.KaldiRecognizer(model, MODEL_RATE)
        self.vosk.SetWords(True)
        self.heard_samples = 0

    def accept(self, audio: bytes) -> bool:
        self.heard_samples += len(audio) // 2
        return bool(self.vosk.AcceptWaveform(audio))

    def finish(self) -> str:
        """The last result of a stream, leaving no trace of it in the recogniser.

        Vosk only drops its feature pipeline (and the speaker adaptation learnt from this
        call's voice) when `FinalResult()` finds it mid-utterance; right after an endpoint it
        keeps it, and the next call would be heard through this caller's adaptation. A few
        milliseconds of silence make the drop certain, so every call starts alike.
        """
        self.accept(_FINISHING_SILENCE)
        return str(self.vosk.FinalResult())


class RecognizerPool:
    def __init__(self, model: Any, size: int = 4) -> None:
        self._model = model
        self._idle: queue.LifoQueue[PooledRecognizer] = queue.LifoQueue()
        for _ in range(size):
            self._idle.put(PooledRecognizer(model))

    def acquire(self) -> PooledRecognizer:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return PooledRecognizer(self._model)  # more calls than warm recognisers: grow rather than wait

    def release(self, recognizer: PooledRecognizer) -> None:
        """Take back a recogniser whose stream called `finish()`."""
        self._idle.put(recognizer)


class AsrStream:
    """One call's audio in, partial and final transcripts out, with times from the call's start."""

    def __init__(self, call_id: str, pool: RecognizerPool, input_rate: int, speaker: str = "callee") -> None:
        self.call_id = call_id
        self.speaker = speaker
        self._pool = pool
        self._recognizer = pool.acquire()
        self._clock_offset_ms = self._recognizer.heard_samples * 1000 // MODEL_RATE
        self._resampler = ToModelRate(input_rate)
        self._samples = 0  # at the model rate
        self._utterance_start_ms = 0
        self._last_partial = ""
        self._closed = False

    @property
    def position_ms(self) -> int:
        return self._samples * 1000 // MODEL_RATE

    def feed(self, pcm: bytes) -> list[Result]:
        if self._closed:
            raise RuntimeError(f"stream {self.call_id} is closed")
        audio = self._resampler.convert(pcm)
        self._samples += len(audio) // 2
        if not audio:
            return []
        if self._recognizer.accept(audio):
            return self._final(self._recognizer.vosk.Result())
        partial = _clean(json.loads(self._recognizer.vosk.PartialResult()).get("partial", ""))
        if partial and partial != self._last_partial:
            self._last_partial = partial
            return [PartialTranscript(self.call_id, partial, self.position_ms)]
        return []

    def close(self) -> list[Result]:
        """Flush what is left as a final result and give the recogniser back."""
        if self._closed:
            return []
        self._closed = True
        tail = self._resampler.convert(b"", last=True)
        if tail:
            self._samples += len(tail) // 2
            self._recognizer.accept(tail)
        results = self._final(self._recognizer.finish())
        self._pool.release(self._recognizer)
        return results

    def _final(self, raw: str) -> list[Result]:
        result = json.loads(raw)
        self._last_partial = ""
        text = _clean(result.get("text", ""))
        end_ms = self.position_ms
        if not text:
            self._utterance_start_ms = end_ms
            return []
        offset = self._clock_offset_ms
        words = tuple(
            Word(w["word"], int(w["start"] * 1000) - offset, int(w["end"] * 1000) - offset, float(w.get("conf", 1.0)))
            for w in result.get("result", [])
            if not _NOISE_TOKEN.fullmatch(w["word"])
        )
        start_ms = words[0].start_ms if words else self._utterance_start_ms
        end_ms = words[-1].end_ms if words else end_ms
        self._utterance_start_ms = self.position_ms
        return [FinalTranscript(self.call_id, text, start_ms, end_ms, words, self.speaker)]
