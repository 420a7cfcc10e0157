"""Vosk as a streaming recogniser: its JSON results read here and nowhere else. `vosk` is imported only here
and in `vosk_model.py`."""

from __future__ import annotations

import json
import re
from typing import Any

from asr.audio import MODEL_RATE
from asr.backend import Heard, HeardWord

# The Korean model writes noise and filler as bracketed tokens ("[0]", "[4]"): not words anyone said.
_NOISE_TOKEN = re.compile(r"\[[^\]]*\]")
_FINISHING_SILENCE = bytes(2 * MODEL_RATE // 100)  # 10 ms


def _clean(text: str) -> str:
    return " ".join(_NOISE_TOKEN.sub(" ", text).split())


def _heard(raw: str) -> Heard:
    result = json.loads(raw)
    text = _clean(result.get("text", ""))
    if not text:
        return Heard("")
    words = tuple(
        HeardWord(w["word"], float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
        for w in result.get("result", [])
        if not _NOISE_TOKEN.fullmatch(w["word"])
    )
    return Heard(text, words)


class VoskRecogniser:
    """A Vosk recogniser and how much audio it has heard: its word times keep counting across Reset()."""

    def __init__(self, model: Any) -> None:
        import vosk

        self._vosk = vosk.KaldiRecognizer(model, MODEL_RATE)
        self._vosk.SetWords(True)
        self.heard_samples = 0

    def accept(self, pcm: bytes) -> Heard | None:
        self.heard_samples += len(pcm) // 2
        return _heard(self._vosk.Result()) if self._vosk.AcceptWaveform(pcm) else None

    def partial(self) -> str:
        return _clean(json.loads(self._vosk.PartialResult()).get("partial", ""))

    def end_utterance(self) -> Heard:
        return _heard(self._vosk.FinalResult())

    def reset(self) -> Heard:
        """Vosk only drops its feature pipeline (and the speaker adaptation learnt from this
        call's voice) when `FinalResult()` finds it mid-utterance; right after an endpoint it
        keeps it, and the next call would be heard through this caller's adaptation. A few
        milliseconds of silence make the drop certain, so every call starts alike.
        """
        self.accept(_FINISHING_SILENCE)
        return _heard(self._vosk.FinalResult())
