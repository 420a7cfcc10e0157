"""The pacing controller interface: what a controller sees each tick, what it is told as calls resolve, what it says.

The simulator and the live dialer drive controllers through exactly this interface, so
what the benchmark proves is what runs on real calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol


@dataclass(frozen=True, slots=True)
class CampaignState:
    """One campaign at one moment. Elapsed times are seconds; `now` counts from the campaign's start."""

    now: float
    agents_idle: int  # ready and waiting for a call
    talking: tuple[float, ...]  # per agent on a call: seconds since it was connected
    wrapping: tuple[float, ...]  # per agent in wrap-up: seconds since the call ended
    agents_paused: int  # logged in, on a break
    ringing: tuple[float, ...]  # per dial not yet answered: seconds since it was placed
    screening: tuple[float, ...]  # per answered call not yet handed to an agent: seconds since the answer
    waiting: tuple[float, ...]  # per call handed over and waiting for an agent: seconds it has waited
    free_lines: int  # trunk lines free for new dials
    abandon_cap: float  # the campaign's cap, a share of live answers
    live_answers: int  # so far in the run (in bot-first mode: hot leads)
    abandoned: int  # so far in the run (in bot-first mode: hot leads that waited too long)

    @property
    def agents_active(self) -> int:
        return self.agents_idle + len(self.talking) + len(self.wrapping)

    @property
    def calls_in_progress(self) -> int:
        return len(self.ringing) + len(self.screening) + len(self.waiting) + len(self.talking)


@dataclass(frozen=True, slots=True)
class DialResolved:
    """A dial's outcome became known `seconds_since_dial` after it was placed; `ring_seconds` is its time to answer."""

    at: float
    kind: Literal["live", "machine", "busy", "no_answer"]
    ring_seconds: float | None  # None when never answered
    seconds_since_dial: float


@dataclass(frozen=True, slots=True)
class HandedOver:
    """A live call became ready for an agent `after_answer_seconds` after it was answered (AMD, or the bot's screen)."""

    at: float
    after_answer_seconds: float


@dataclass(frozen=True, slots=True)
class NotHot:
    """Bot-first mode: the bot closed a live call that did not turn hot."""

    at: float
    after_answer_seconds: float


@dataclass(frozen=True, slots=True)
class Connected:
    at: float
    waited_seconds: float


@dataclass(frozen=True, slots=True)
class Abandoned:
    at: float


@dataclass(frozen=True, slots=True)
class Handled:
    """An agent finished a call: talk and wrap-up seconds."""

    at: float
    talk_seconds: float
    wrap_seconds: float


PacingEvent = DialResolved | HandedOver | NotHot | Connected | Abandoned | Handled


@dataclass(frozen=True, slots=True)
class PacingStatus:
    """What the console shows: the effective dial level, the forecast behind it, the abandonment budget left."""

    controller: str
    dial_level: float  # calls in progress per active agent
    forecast: dict[str, float] = field(default_factory=dict)
    abandon_budget: float = 0.0  # abandons the campaign can still afford at its current live answers


@dataclass(frozen=True, slots=True)
class PacingSettings:
    abandon_cap: float
    grace_seconds: float = 2.0  # a handed-over call must reach an agent within this, or it counts as abandoned


class PacingController(Protocol):
    name: str

    def decide(self, state: CampaignState) -> int:
        """How many new dials to place now (never more than `state.free_lines`)."""
        ...

    def observe(self, event: PacingEvent) -> None: ...

    def status(self, state: CampaignState) -> PacingStatus: ...


def dial_level(state: CampaignState) -> float:
    return state.calls_in_progress / state.agents_active if state.agents_active else 0.0


def unreserved_ready_agents(state: CampaignState) -> int:
    """Ready agents that no call in flight is headed for: dials for them cannot be abandoned."""
    return max(0, state.agents_idle - len(state.ringing) - len(state.screening) - len(state.waiting))


def abandon_budget(state: CampaignState) -> float:
    return state.abandon_cap * state.live_answers - state.abandoned
