"""Dropping a PJSUA2 call wrapper safely once its call has ended.

PJSUA hands a call id to the next call as soon as the last one on it ends, and an old
`pj.Call` wrapper still answers for its id: `isActive()` then reports the new call, and
destroying the wrapper hangs that new call up (603 Decline for an incoming call, a CANCEL
for an outgoing one). A wrapper is therefore dropped only at a moment its id is free.
"""

from __future__ import annotations

from typing import Any


class RetiredCalls:
    """Wrappers of ended calls, held until their call id is free. Sweep from the thread that polls PJSIP."""

    def __init__(self) -> None:
        self._calls: list[Any] = []

    def add(self, call: Any) -> None:
        self._calls.append(call)

    def sweep(self) -> None:
        # Checked and dropped in one go on the polling thread: nothing can take the id in between.
        self._calls = [call for call in self._calls if call.isActive()]

    def __len__(self) -> int:
        return len(self._calls)
