"""What a streaming recogniser offers the call path, whatever decodes underneath.

A recogniser hears 16 kHz PCM and counts it; word times are seconds of the audio it has
heard (since it was made, across resets), which the stream maps back to the call's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class HeardWord:
    text: str
    start_s: float
    end_s: float
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class Heard:
    """An utterance as the recogniser wrote it: empty `text` means nothing worth a transcript."""

    text: str
    words: tuple[HeardWord, ...] = ()


class Recogniser(Protocol):
    heard_samples: int

    def accept(self, pcm: bytes) -> Heard | None:
        """Decode more audio; at the recogniser's own end of an utterance, its final result."""
        ...

    def partial(self) -> str:
        """The utterance so far (may change as more audio comes)."""
        ...

    def end_utterance(self) -> Heard:
        """The final result of the utterance in progress, now: the speech gate says it is over."""
        ...

    def reset(self) -> Heard:
        """The last result of a stream, leaving nothing of it behind: the recogniser is ready for another call."""
        ...
