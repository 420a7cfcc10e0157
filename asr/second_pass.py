"""One call's side of the second pass: its utterances go to Whisper, their finals come back in order.

The speech gate says where an utterance ends; its audio (already at 16 kHz, as the
streaming recogniser heard it) is handed to the shared `WhisperPass`, and the final
transcript follows when the window it was packed into is decoded. Finals are handed
out in the order the utterances were spoken, never one overtaking another.
"""

from __future__ import annotations

import logging
from collections import deque
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from asr.audio import MODEL_RATE
from asr.backend import Heard
from asr.speech_gate import HANGOVER_MS, Passage
from asr.whisper_pass import WhisperPass
from tierdial.messages import FinalTranscript, Word

log = logging.getLogger(__name__)
# Speech that never pauses is cut here, so every utterance fits one window with room to pack others.
MAX_UTTERANCE_SECONDS = 20.0
# Of the silence the gate waits through before it closes an utterance, Whisper hears this much: more only costs
# decoding time, gives it room to invent words, and stretches the last word's end into the silence.
TAIL_MS = 300


class CallSecondPass:
    def __init__(self, call_id: str, whisper: WhisperPass, language: str, speaker: str = "callee") -> None:
        self.call_id, self.speaker, self.language = call_id, speaker, language
        self._whisper = whisper
        self._pcm = bytearray()
        self._start_sample = 0  # in the call, at 16 kHz, of the utterance being gathered
        self._onset_sample = 0  # where its speech starts, after the preroll
        self._pending: deque[tuple[Future[Heard], int, int, str]] = deque()  # and the streaming reading

    def add(self, passage: Passage, streaming_reading: str = "") -> None:
        """`streaming_reading`: the streaming recogniser's text of the utterance this passage ends, if it does."""
        if not self._pcm:
            self._start_sample = self._onset_sample = passage.start_sample
        if passage.onset_sample >= 0:
            self._onset_sample = passage.onset_sample
        self._pcm += passage.pcm
        if passage.ends_speech:
            quiet = (HANGOVER_MS - TAIL_MS) * MODEL_RATE // 1000 * 2
            del self._pcm[max(0, len(self._pcm) - quiet) :]
            self.end_utterance(streaming_reading)
        elif len(self._pcm) >= MAX_UTTERANCE_SECONDS * MODEL_RATE * 2:
            self.end_utterance()

    def end_utterance(self, streaming_reading: str = "") -> None:
        if self._pcm:
            result = self._whisper.submit(bytes(self._pcm), self.language)
            self._pending.append((result, self._start_sample, self._onset_sample, streaming_reading))
            self._pcm = bytearray()

    @property
    def idle(self) -> bool:
        """No utterance being gathered, none waiting for its final."""
        return not self._pcm and not self._pending

    def ready(self) -> list[FinalTranscript]:
        """The finals decoded so far, up to the first utterance still waiting."""
        finals = []
        while self._pending and self._pending[0][0].done():
            finals += self._final(*self._pending.popleft())
        return finals

    def finish(self, timeout: float = 120.0, streaming_reading: str = "") -> list[FinalTranscript]:
        """Every utterance's final, waiting for those still in the queue (the call is over)."""
        self.end_utterance(streaming_reading)
        finals = []
        while self._pending:
            result, start, onset, reading = self._pending.popleft()
            try:
                result.result(timeout)
            except FutureTimeout:
                log.warning("Whisper gave no final in %.0f s; the utterance goes untranscribed", timeout,
                            extra={"call_id": self.call_id})  # fmt: skip
                continue
            except Exception:
                pass  # logged by the pass; `_final` skips it
            finals += self._final(result, start, onset, reading)
        return finals

    def _final(
        self, result: Future[Heard], start_sample: int, onset_sample: int, streaming_reading: str
    ) -> list[FinalTranscript]:
        if result.exception() is not None:
            return []
        heard = result.result()
        if not heard.text:
            return []
        offset_ms, onset_ms = start_sample * 1000 // MODEL_RATE, onset_sample * 1000 // MODEL_RATE
        words = []
        for w in heard.words:
            # Whisper starts a window's first word at its very beginning, preroll or not: no word starts before
            # the speech the gate heard.
            start_ms = max(onset_ms, offset_ms + round(w.start_s * 1000))
            words.append(Word(w.text, start_ms, max(start_ms, offset_ms + round(w.end_s * 1000)), w.confidence))
        start_ms, end_ms = (words[0].start_ms, words[-1].end_ms) if words else (onset_ms, onset_ms)
        end_ms = max(end_ms, start_ms + 1)
        others = (streaming_reading,) if streaming_reading and streaming_reading != heard.text else ()
        return [FinalTranscript(self.call_id, heard.text, start_ms, end_ms, tuple(words), self.speaker, others)]
