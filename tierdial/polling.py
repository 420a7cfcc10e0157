"""Waiting on a condition with a deadline, for the commands that drive stations (the benchmarks)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from tierdial.errors import UserError

T = TypeVar("T")


def poll_until(probe: Callable[[], T], timeout: float, what: str, every: float = 0.1) -> T:
    """The probe's first truthy value; a UserError naming `what` when none comes within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(every)
    raise UserError(f"timed out after {timeout:.0f} s waiting for {what}")
