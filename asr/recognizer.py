"""Streaming recognition of one call's audio, on recognisers reused from a pool, and its second pass.

A fresh Vosk recogniser is about ten times slower for its first seconds, so streams
borrow warm ones from a pool and hand them back reset.
"""

from __future__ import annotations

import bisect
import math
import queue
from collections.abc import Callable
from dataclasses import replace

from asr.audio import MODEL_RATE, ToModelRate
from asr.backend import Heard, Recogniser
from asr.second_pass import CallSecondPass
from asr.speech_gate import PREROLL_MS, Passage, SpeechGate
from tierdial.messages import FinalTranscript, PartialTranscript, Word

Result = PartialTranscript | FinalTranscript
PARTIAL_EVERY_SAMPLES = MODEL_RATE // 10  # 100 ms


class RecognizerPool:
    def __init__(self, make: Callable[[], Recogniser], size: int = 4) -> None:
        self._make = make
        self.size = size
        self._idle: queue.LifoQueue[Recogniser] = queue.LifoQueue()
        for _ in range(size):
            self._idle.put(make())

    def acquire(self) -> Recogniser:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self._make()  # more calls than warm recognisers: grow rather than wait

    def release(self, recognizer: Recogniser) -> None:
        """Take back a recogniser whose stream called `reset()`."""
        self._idle.put(recognizer)


class AsrStream:
    """One call's audio in, partial and final transcripts out, with times from the call's start.

    Only what the speech gate lets through is decoded, so the recogniser's clock runs
    behind the call's: each stretch of decoded audio is anchored to where it lies in
    the call, and word times are mapped back through those anchors.

    With a second pass, the streaming recogniser (if any) only gives partials: what it
    finalises becomes part of the partial of the utterance the gate holds open, and the
    final transcript of that utterance is the second pass's, handed out once decoded.
    """

    def __init__(
        self,
        call_id: str,
        pool: RecognizerPool | None,
        input_rate: int,
        speaker: str = "callee",
        second_pass: CallSecondPass | None = None,
    ) -> None:
        if pool is None and second_pass is None:
            raise ValueError("a stream needs a streaming recogniser, a second pass or both")
        self.call_id = call_id
        self.speaker = speaker
        self._pool = pool
        self._recognizer = pool.acquire() if pool is not None else None
        self._second = second_pass
        self._resampler = ToModelRate(input_rate)
        self._gate = SpeechGate(MODEL_RATE)
        self._samples = 0  # of the call so far, at the model rate
        self._anchors: list[tuple[int, int]] = []  # (recogniser sample, call sample) where each decoded stretch starts
        self._next_sample = -1  # the call sample the recogniser would hear next without a gap
        self._since_partial = 0  # samples decoded since the partial result was last read
        self._utterance_start_ms = 0
        self._last_partial = ""
        self._said = ""  # with a second pass: what the streaming recogniser finalised of the open utterance
        self._closed = False

    @property
    def position_ms(self) -> int:
        return self._samples * 1000 // MODEL_RATE

    @property
    def settled_ms(self) -> int | None:
        """How far into the call everything has had its final transcript, or was silence (short of the gate's
        preroll, which may open the next utterance); None while an utterance is open or its final is decoding."""
        if self._gate.open or (self._second is not None and not self._second.idle):
            return None
        return max(0, self.position_ms - PREROLL_MS)

    def feed(self, pcm: bytes) -> list[Result]:
        if self._closed:
            raise RuntimeError(f"stream {self.call_id} is closed")
        audio = self._resampler.convert(pcm)
        self._samples += len(audio) // 2
        results: list[Result] = []
        for passage in self._gate.feed(audio):
            results += self._decode(passage)
            if self._second is not None:
                self._second.add(passage, self._said if passage.ends_speech else "")
                if passage.ends_speech:
                    self._said = ""
        if self._second is not None:
            results += self._second.ready()
        return results

    def close(self) -> list[Result]:
        """Flush what is left as a final result and give the recogniser back (with a second pass: wait for it)."""
        if self._closed:
            return []
        self._closed = True
        tail = self._resampler.convert(b"", last=True)
        self._samples += len(tail) // 2
        passages = self._gate.feed(tail)
        rest = self._gate.flush()
        results: list[Result] = []
        last = [*passages, *([rest] if rest else [])]
        if self._recognizer is not None and self._pool is not None:
            for passage in last:
                self._anchor(passage)
                self._recognizer.accept(passage.pcm)
            results += self._final(self._recognizer.reset())  # first: the second pass takes its reading along
            self._pool.release(self._recognizer)
        if self._second is not None:
            for passage in last:
                # Cut off by the hang-up, not closed by the gate's hangover: there is no trailing silence to trim.
                self._second.add(replace(passage, ends_speech=False) if passage is rest else passage, self._said)
            results += self._second.finish(streaming_reading=self._said)
        return results

    def _anchor(self, passage: Passage) -> None:
        if self._recognizer is None:
            return
        if passage.start_sample != self._next_sample:
            self._anchors.append((self._recognizer.heard_samples, passage.start_sample))
        self._next_sample = passage.start_sample + len(passage.pcm) // 2

    def _decode(self, passage: Passage) -> list[Result]:
        if self._recognizer is None:
            return []
        self._anchor(passage)
        heard = self._recognizer.accept(passage.pcm)
        if heard is not None:
            return self._final(heard)
        if passage.ends_speech:
            # A second and more of silence: the utterance is over even if the recogniser has not said so.
            return self._final(self._recognizer.end_utterance()) if self._recognizer.partial() else []
        # Reading the partial result walks the lattice: every 20 ms frame it would cost more than decoding.
        self._since_partial += len(passage.pcm) // 2
        if self._since_partial < PARTIAL_EVERY_SAMPLES:
            return []
        self._since_partial = 0
        partial = " ".join(filter(None, [self._said, self._recognizer.partial()]))
        if partial and partial != self._last_partial:
            self._last_partial = partial
            return [PartialTranscript(self.call_id, partial, self.position_ms)]
        return []

    def _call_ms(self, recognizer_seconds: float) -> int:
        sample = round(recognizer_seconds * MODEL_RATE)
        index = bisect.bisect_right(self._anchors, (sample, math.inf)) - 1
        heard, call = self._anchors[max(index, 0)]
        return (sample - heard + call) * 1000 // MODEL_RATE

    def _final(self, heard: Heard) -> list[Result]:
        self._last_partial = ""
        self._since_partial = 0
        end_ms = self.position_ms
        if not heard.text:
            self._utterance_start_ms = end_ms
            return []
        if self._second is not None:
            # The second pass gives this utterance's final; the streaming one's is only what has been said so far.
            self._said = " ".join(filter(None, [self._said, heard.text]))
            self._last_partial = self._said
            return [PartialTranscript(self.call_id, self._said, end_ms)]
        words = tuple(Word(w.text, self._call_ms(w.start_s), self._call_ms(w.end_s), w.confidence) for w in heard.words)
        start_ms = words[0].start_ms if words else self._utterance_start_ms
        end_ms = words[-1].end_ms if words else end_ms
        self._utterance_start_ms = self.position_ms
        return [FinalTranscript(self.call_id, heard.text, start_ms, end_ms, words, self.speaker)]
