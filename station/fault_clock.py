"""The clock faults of `tierdial bench faults`: the station's clock stepped (as NTP steps a clock that was wrong)
across an edge of the calling window, while calls are up.

- clock_step_forward: from the evening, inside the window, to 21:00:30 in Seoul (the callees' zone), past its end;
- clock_step_back: from just after 08:00 to 07:59:40, before its start; the window opens again 20 s later.

The audit adds dialled_outside_window: attempts whose start, read on the station's clock as it was at that moment
(the clock keeps its steps), falls outside 08:00-21:00 in a zone of the contact's number.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dialer.sim.setup import SEOUL
from tierdial.polling import poll_until

if TYPE_CHECKING:
    from station.assembly import Station

OPENS, CLOSES = dt.time(8, 0), dt.time(21, 0)  # the window no campaign may widen (DESIGN.md's rules)
# Where each clock fault's station clock starts (local time in Seoul), and where the step puts it.
STARTS = {"clock_step_forward": dt.time(20, 50), "clock_step_back": dt.time(8, 0, 2)}
STEPS_TO = {"clock_step_forward": dt.time(21, 0, 30), "clock_step_back": dt.time(7, 59, 40)}
NOON = dt.time(12, 0)


class SteppedClock:
    """Real time plus an offset, which a step changes at once; it keeps its steps, so a record's real time can be
    read as the station's clock read it then."""

    def __init__(self, local: dt.time = NOON, zone: ZoneInfo = SEOUL) -> None:
        self.zone = zone
        self._lock = threading.Lock()
        self._offsets: list[tuple[dt.datetime, dt.timedelta]] = []  # (real time from which, offset)
        self.step_to(local)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self._offsets[-1][1]

    def step_to(self, local: dt.time) -> tuple[dt.datetime, dt.datetime]:
        """Set the clock to `local` today (in its zone); returns what it read before and after the step."""
        with self._lock:
            real = dt.datetime.now(dt.UTC)
            before = real + self._offsets[-1][1] if self._offsets else real
            day = before.astimezone(self.zone).date()
            after = dt.datetime.combine(day, local, self.zone)
            self._offsets.append((real, after - real))
        return before, after

    def at(self, real: dt.datetime) -> dt.datetime:
        """What the clock read at the real time `real`."""
        real = real if real.tzinfo else real.replace(tzinfo=dt.UTC)  # SQLite hands times back naive, in UTC
        offset = self._offsets[0][1]
        for since, later in self._offsets:
            if since <= real:
                offset = later
        return real + offset


def station_clock(fault: str) -> SteppedClock:
    """The clock a fault's station runs on: noon in Seoul (the window wide open) unless the fault steps it."""
    return SteppedClock(STARTS.get(fault, NOON))


def dialled_outside_window(attempts: list, clock: SteppedClock) -> int:
    """Attempts started (on the station's clock) outside 08:00-21:00 in a zone of their number (rows: started_at,
    timezone)."""
    outside = 0
    for attempt in attempts:
        at = clock.at(attempt.started_at)
        local = [at.astimezone(ZoneInfo(zone)).time() for zone in attempt.timezone.split()]
        outside += any(not OPENS <= t < CLOSES for t in local)
    return outside


def _step(station: Station, seen, fault: str) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    clock = station.clock
    assert isinstance(clock, SteppedClock)  # bench faults runs its station on one
    poll_until(lambda: len(seen.up()) >= 2, 120, "calls up before the clock step (bench faults)", every=0.1)
    up = len(seen.up())
    before, after = clock.step_to(STEPS_TO[fault])
    stepped = time.time()
    local = f"{before.astimezone(clock.zone):%H:%M:%S} to {after.astimezone(clock.zone):%H:%M:%S}"
    return stepped, f"clock stepped from {local} in Seoul, {up} calls up"


def step_forward(station: Station, seen) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    """Past the window's end, while calls are up: no call may start after it; those up may go on."""
    return _step(station, seen, "clock_step_forward")


def step_back(station: Station, seen) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    """Back before the window's start, while calls are up: no call before 08:00; dialling resumes at 08:00."""
    return _step(station, seen, "clock_step_back")
