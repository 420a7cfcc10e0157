"""Whether a call's audio arrived whole: the audio received against the time it took to come.

A steady source delivers as much audio as time passes. One that stalls (a process starved
of CPU, media that stopped) delivers less: the difference is audio the recogniser never got.
"""

from __future__ import annotations

import time


class AudioArrivals:
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
