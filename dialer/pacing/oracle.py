"""The oracle: knows every future outcome, so it places each live call to reach an agent the moment one is free.

It is an upper bound for the other controllers, not a product feature: it reads the
simulator's future (each dial's fate, each agent's end of talk and wrap-up). It still
dials in the order the list gives and within the trunk lines; a dial that will not
reach a person costs only a line, so it goes out at once.
"""

from __future__ import annotations

import heapq
from typing import Protocol

from dialer.pacing.controller import (
    CampaignState,
    PacingEvent,
    PacingSettings,
    PacingStatus,
    abandon_budget,
    dial_level,
)
from dialer.pacing.simulator.draws import Fate


class Foresight(Protocol):
    now: float

    def upcoming_fate(self, offset: int) -> Fate: ...
    def agents_free_at(self) -> list[float]: ...
    def handover_time(self, placed_at: float, fate: Fate) -> float | None: ...
    def handovers_in_flight(self) -> list[tuple[float, Fate]]: ...


class OracleController:
    name = "oracle"

    def __init__(self, settings: PacingSettings, foresight: Foresight) -> None:
        self.settings, self.future = settings, foresight
        # In the grace a caller is already waiting; the oracle aims to need none of it.
        self.slack = min(1.0, settings.grace_seconds)

    def decide(self, state: CampaignState) -> int:
        now = self.future.now
        pending = sorted(self.future.handovers_in_flight(), key=lambda item: item[0])
        free = self.future.agents_free_at()
        heapq.heapify(free)
        dials = 0
        while dials < state.free_lines:
            fate = self.future.upcoming_fate(dials)
            at = self.future.handover_time(now, fate)
            if at is not None and not _all_served(free, [*pending, (at, fate)], self.slack):
                break
            if at is not None:
                pending.append((at, fate))
                pending.sort(key=lambda item: item[0])
            dials += 1
        return dials

    def observe(self, event: PacingEvent) -> None:
        pass

    def status(self, state: CampaignState) -> PacingStatus:
        return PacingStatus(self.name, dial_level(state), {}, abandon_budget(state))


def _all_served(free_at: list[float], handovers: list[tuple[float, Fate]], slack: float) -> bool:
    """Whether, first come first served, every hand-over finds an agent within `slack` seconds."""
    free = list(free_at)
    for at, fate in sorted(handovers, key=lambda item: item[0]):
        if not free:
            return False
        earliest = heapq.heappop(free)
        start = max(earliest, at)
        if start > at + slack:
            return False
        heapq.heappush(free, start + fate.talk + fate.wrap)
    return True
