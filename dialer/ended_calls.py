"""Calls that ended a moment ago, kept for the callee's last words: "stop calling me", and a hang-up at once.

The engine reports a call's end when the line drops; the recogniser finishes the utterance under way after that
(Vosk's end of speech, Whisper's second pass, a restarted ASR service catching up on the audio held for it). Those
finals still belong to the call: the call flow scores them on the call's last turn, and an opt-out among them is
honoured as one heard on the call. A call is kept for `GRACE_SECONDS` after its end, then its turn is let go.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from dialer.live_calls import LiveCall

# Longer than a recogniser takes to finish a call's last utterance, restarted and caught up included.
GRACE_SECONDS = 120.0


class EndedCalls:
    def __init__(self, forget: Callable[[str], object], grace_seconds: float = GRACE_SECONDS) -> None:
        """`forget(call_id)`: let go of what else was kept for a call past its grace (its turn, in the scorer)."""
        self._forget, self.grace_seconds = forget, grace_seconds
        self._calls: OrderedDict[str, tuple[float, LiveCall]] = OrderedDict()  # by time of end

    def add(self, call: LiveCall) -> None:
        self._let_go(time.monotonic())
        self._calls[call.call_id] = (time.monotonic(), call)

    def get(self, call_id: str) -> LiveCall | None:
        self._let_go(time.monotonic())
        kept = self._calls.get(call_id)
        return kept[1] if kept else None

    def _let_go(self, now: float) -> None:
        while self._calls:
            call_id, (ended, _) = next(iter(self._calls.items()))
            if now - ended < self.grace_seconds:
                return
            del self._calls[call_id]
            self._forget(call_id)
