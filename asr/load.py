"""How hard the recogniser works: seconds spent decoding per second of audio (the real-time factor).

Under 1 it keeps up; near 1 transcripts start to lag behind the callers. Kept as totals (for
Prometheus counters, graphed as a rate) and over the last minute (for a glance).
"""

from __future__ import annotations

import collections
import threading
import time

WINDOW_SECONDS = 60.0


class AsrLoad:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.audio_seconds = 0.0
        self.decode_seconds = 0.0
        self._recent: collections.deque[tuple[float, float, float]] = collections.deque()  # (at, audio, decode)

    def add(self, audio_ms: int, decode_ms: int) -> None:
        if audio_ms <= 0 or decode_ms < 0:  # a stream that started again reports from zero
            return
        now = time.monotonic()
        with self._lock:
            self.audio_seconds += audio_ms / 1000
            self.decode_seconds += decode_ms / 1000
            self._recent.append((now, audio_ms / 1000, decode_ms / 1000))
            while self._recent and self._recent[0][0] < now - WINDOW_SECONDS:
                self._recent.popleft()

    def real_time_factor(self) -> float | None:
        """Decoding time per audio time over the last minute; None with no audio in it."""
        now = time.monotonic()
        with self._lock:
            recent = [(audio, decode) for at, audio, decode in self._recent if at >= now - WINDOW_SECONDS]
        audio = sum(a for a, _ in recent)
        return sum(d for _, d in recent) / audio if audio else None
