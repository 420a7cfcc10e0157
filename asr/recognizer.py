"""Streaming recognition of one call's audio, on recognisers reused from a pool.

A fresh Vosk recogniser is about ten times slower for its first seconds, so streams
borrow warm ones from a pool and hand them back reset.
"""

from __future__ import annotations

import bisect
import json
import math
import queue
import re
from typing import Any

from asr.audio import MODEL_RATE, ToModelRate
from asr.speech_gate import Passage, SpeechGate
from tierdial.messages import FinalTranscript, PartialTranscript, Word

Result = PartialTranscript | FinalTranscript
# The Korean model writes noise and filler as bracketed tokens ("[0]", "[4]"): not words anyone said.
_NOISE_TOKEN = re.compile(r"\[[^\]]*\]")
_FINISHING_SILENCE = bytes(2 * MODEL_RATE // 100)  # 10 ms
PARTIAL_EVERY_SAMPLES = MODEL_RATE // 10  # 100 ms


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
        self.size = size
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
    """One call's audio in, partial and final transcripts out, with times from the call's start.

    Only what the speech gate lets through is decoded, so the recogniser's clock runs
    behind the call's: each stretch of decoded audio is anchored to where it lies in
    the call, and word times are mapped back through those anchors.
    """

    def __init__(self, call_id: str, pool: RecognizerPool, input_rate: int, speaker: str = "callee") -> None:
        self.call_id = call_id
        self.speaker = speaker
        self._pool = pool
        self._recognizer = pool.acquire()
        self._resampler = ToModelRate(input_rate)
        self._gate = SpeechGate(MODEL_RATE)
        self._samples = 0  # of the call so far, at the model rate
        self._anchors: list[tuple[int, int]] = []  # (recogniser sample, call sample) where each decoded stretch starts
        self._next_sample = -1  # the call sample the recogniser would hear next without a gap
        self._since_partial = 0  # samples decoded since the partial result was last read
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
        results: list[Result] = []
        for passage in self._gate.feed(audio):
            results += self._decode(passage)
        return results

    def close(self) -> list[Result]:
        """Flush what is left as a final result and give the recogniser back."""
        if self._closed:
            return []
        self._closed = True
        tail = self._resampler.convert(b"", last=True)
        self._samples += len(tail) // 2
        passages = self._gate.feed(tail)
        rest = self._gate.flush()
        for passage in [*passages, *([rest] if rest else [])]:
            self._anchor(passage)
            self._recognizer.accept(passage.pcm)
        results = self._final(self._recognizer.finish())
        self._pool.release(self._recognizer)
        return results

    def _anchor(self, passage: Passage) -> None:
        if passage.start_sample != self._next_sample:
            self._anchors.append((self._recognizer.heard_samples, passage.start_sample))
        self._next_sample = passage.start_sample + len(passage.pcm) // 2

    def _decode(self, passage: Passage) -> list[Result]:
        self._anchor(passage)
        if self._recognizer.accept(passage.pcm):
            return self._final(self._recognizer.vosk.Result())
        if passage.ends_speech:
            # A second and more of silence: the utterance is over even if the recogniser has not said so.
            return self._final(self._recognizer.vosk.FinalResult()) if self._partial() else []
        # Reading the partial result walks the lattice: every 20 ms frame it would cost more than decoding.
        self._since_partial += len(passage.pcm) // 2
        if self._since_partial < PARTIAL_EVERY_SAMPLES:
            return []
        self._since_partial = 0
        partial = self._partial()
        if partial and partial != self._last_partial:
            self._last_partial = partial
            return [PartialTranscript(self.call_id, partial, self.position_ms)]
        return []

    def _partial(self) -> str:
        return _clean(json.loads(self._recognizer.vosk.PartialResult()).get("partial", ""))

    def _call_ms(self, recognizer_seconds: float) -> int:
        sample = round(recognizer_seconds * MODEL_RATE)
        index = bisect.bisect_right(self._anchors, (sample, math.inf)) - 1
        heard, call = self._anchors[max(index, 0)]
        return (sample - heard + call) * 1000 // MODEL_RATE

    def _final(self, raw: str) -> list[Result]:
        result = json.loads(raw)
        self._last_partial = ""
        self._since_partial = 0
        text = _clean(result.get("text", ""))
        end_ms = self.position_ms
        if not text:
            self._utterance_start_ms = end_ms
            return []
        words = tuple(
            Word(w["word"], self._call_ms(w["start"]), self._call_ms(w["end"]), float(w.get("conf", 1.0)))
            for w in result.get("result", [])
            if not _NOISE_TOKEN.fullmatch(w["word"])
        )
        start_ms = words[0].start_ms if words else self._utterance_start_ms
        end_ms = words[-1].end_ms if words else end_ms
        self._utterance_start_ms = self.position_ms
        return [FinalTranscript(self.call_id, text, start_ms, end_ms, words, self.speaker)]
