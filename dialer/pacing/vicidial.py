"""VICIdial's adaptive predictive pacing ("ADAPT_HARD_LIMIT"), re-implemented from its published behaviour.

It keeps about round(dial_level x active agents) calls in progress. Every second it
samples agents ready and answered calls waiting (15-sample moving averages); every
15 s it moves the level by the normalised difference, clamped to [1.0, 3.0].

Readings we had to choose, as VICIdial's documents leave them open:
- "agents" counts agents ready or talking; an agent in wrap-up sits in VICIdial's
  disposition screen, which is a pause, so is not counted; "calls in progress" counts
  every call from the dial to the end of its talk, as VICIdial's auto-calls table
  keeps a row for a call until it hangs up;
- the one-minute guard counts dials placed in the last minute as "calls" and drops as
  a share of those dials; the hard limit compares drops with live answers of the day
  (VICIdial's drop percentage) and counts dials of the day as "calls";
- the level starts at 1.0 (progressive), as a new VICIdial campaign does.
"""

from __future__ import annotations

from collections import deque

from dialer.pacing.controller import (
    Abandoned,
    CampaignState,
    HandedOver,
    PacingEvent,
    PacingSettings,
    PacingStatus,
    abandon_budget,
)

SAMPLES = 15
ADAPT_EVERY = 15
MIN_LEVEL, MAX_LEVEL = 1.0, 3.0


class VicidialController:
    name = "vicidial"

    def __init__(self, settings: PacingSettings, diff_target: float = 0.0, intensity: float = 0.0) -> None:
        self.settings, self.diff_target, self.intensity = settings, diff_target, intensity
        self.level = MIN_LEVEL
        self._ready: deque[int] = deque(maxlen=SAMPLES)
        self._waiting: deque[int] = deque(maxlen=SAMPLES)
        self._agents: deque[int] = deque(maxlen=SAMPLES)
        self._last_adapt = 0.0
        self._recent_dials: deque[float] = deque()
        self._recent_drops: deque[float] = deque()
        self._day_dials = self._day_answers = self._day_drops = 0

    def decide(self, state: CampaignState) -> int:
        self._ready.append(state.agents_idle)
        self._waiting.append(len(state.waiting))
        agents = state.agents_idle + len(state.talking)
        self._agents.append(agents)
        if state.now - self._last_adapt >= ADAPT_EVERY:
            self._last_adapt = state.now
            self._adapt(state.now)
        goal = round(self.level * agents)
        wanted = max(0, min(goal - state.calls_in_progress, state.free_lines))
        for _ in range(wanted):
            self._recent_dials.append(state.now)
        self._day_dials += wanted
        return wanted

    def _adapt(self, now: float) -> None:
        agents_avg = sum(self._agents) / len(self._agents)
        if agents_avg > 0:
            differential = sum(self._ready) / len(self._ready) - sum(self._waiting) / len(self._waiting)
            m = (differential + self.diff_target) / agents_avg
            m = m * (1 + self.intensity) if m >= 0 else m * abs(self.intensity - 1)
            self.level = min(MAX_LEVEL, max(MIN_LEVEL, self.level * (1 + m)))
        for recent in (self._recent_dials, self._recent_drops):
            while recent and recent[0] < now - 60:
                recent.popleft()
        if len(self._recent_dials) > 20 and len(self._recent_drops) > 0.5 * len(self._recent_dials):
            self.level = max(MIN_LEVEL, self.level / 2)
        over_cap = self._day_answers and self._day_drops / self._day_answers > self.settings.abandon_cap
        if self._day_dials > 50 and over_cap:
            self.level = MIN_LEVEL

    def observe(self, event: PacingEvent) -> None:
        if isinstance(event, HandedOver):
            self._day_answers += 1
        elif isinstance(event, Abandoned):
            self._day_drops += 1
            self._recent_drops.append(event.at)

    def status(self, state: CampaignState) -> PacingStatus:
        return PacingStatus(self.name, self.level, {}, abandon_budget(state))
