"""Whether a call's audio arrived whole.

A steady source delivers as much audio as time passes; one that stalls (a process starved
of CPU, media that stopped) delivers less, and a receiver with a jitter buffer fills in what
came too late. Both are tallied per call, in readings taken as the call goes on, so that a
stretch lost at once can be told from blips spread over the call.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

READ_EVERY_MS = 500


class AudioArrivals:
    """The audio received against the time it took to come."""

    def __init__(self, frame_ms: int = 20) -> None:
        self.frame_ms = frame_ms  # the unit shortfalls are counted in: a late frame alone is no shortfall
        self.received_ms = 0.0
        self._first_at = self._last_at = 0.0
        self._last_ms = 0.0

    def arrived(self, ms: float, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if not self.received_ms:
            self._first_at = now
        self.received_ms += ms
        self._last_at, self._last_ms = now, ms

    def missing_ms(self) -> int:
        """Audio the span from the first arrival to the end of the last should hold but did not come."""
        if not self.received_ms:
            return 0
        span = (self._last_at - self._first_at) * 1000 + self._last_ms
        return max(0, int((span - self.received_ms) // self.frame_ms) * self.frame_ms)


@dataclass
class BrokenAudio:
    """Running totals of a call's broken audio, and the most that broke between two readings and stayed broken."""

    concealed_ms: int = 0
    missing_ms: int = 0
    _totals: list[int] = field(default_factory=list, repr=False)

    def read(self, concealed_ms: int, missing_ms: int) -> None:
        self.concealed_ms, self.missing_ms = concealed_ms, missing_ms
        self._totals.append(concealed_ms + missing_ms)

    @property
    def longest_ms(self) -> int:
        """Audio missing at one reading that came, whole, by a later one (a reader held up, then caught up: the
        recogniser heard all of it, late) is no gap: only what never came counts."""
        lasting = list(itertools.accumulate(reversed(self._totals), min))[::-1]  # what no later reading took back
        return max((now - before for before, now in itertools.pairwise([0, *lasting])), default=0)
