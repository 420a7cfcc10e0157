"""A periodic job's timer, for loops that do several things each at its own pace."""

from __future__ import annotations

import time


class Every:
    """Due on the first look, then again once `seconds` have passed since it was last due."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: float | None = None

    def due(self) -> bool:
        now = time.monotonic()
        if self._last is not None and now - self._last < self.seconds:
            return False
        self._last = now
        return True
