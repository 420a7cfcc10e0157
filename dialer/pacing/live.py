"""Pacing on live calls: the same controllers as the simulator, fed from the dialer's messages.

The live dialer is bot-first: the bot answers every call with the identifying
message, so no call is abandoned in the regulator's sense, and the hand-over a
controller paces for is a hot lead offered to the agents that pacing answers for
(`HotLeadOffered.paced`: tier A, see `intent.tiers.PACED_TIERS`). One nobody takes
within the grace period counts against the campaign's cap, as an abandon does in the
simulator. With no agent's phone connected there is nobody to
pace for, so the bot works alone on every line it has (hot leads get a callback).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from dialer.pacing.controller import (
    Abandoned,
    CampaignState,
    Connected,
    DialResolved,
    HandedOver,
    Handled,
    NotHot,
    PacingController,
    PacingSettings,
    PacingStatus,
)
from dialer.pacing.lines import FillLines
from dialer.pacing.registry import LIVE_MODES, build_controller
from tierdial.messages import Answered, CallEnded, CallStarted, HotLeadOffered, Takeover


@dataclass
class _Call:
    placed_at: float
    answered_at: float = 0.0
    handed_at: float = 0.0
    taken_at: float = 0.0
    late: bool = False


def _controller(mode: str, abandon_cap: float, grace_seconds: float) -> PacingController:
    return build_controller(mode, PacingSettings(abandon_cap=abandon_cap, grace_seconds=grace_seconds))


class LivePacing:
    def __init__(
        self,
        mode: str,
        abandon_cap: float,
        lines: int,
        grace_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        record: tuple[int, int] = (0, 0),
    ) -> None:
        """`record`: hot leads the campaign already offered and lost (its abandonment so far, from the database)."""
        if mode not in LIVE_MODES:
            raise ValueError(f"unknown pacing mode {mode!r}; choose one of {', '.join(LIVE_MODES)}")
        self.mode = mode
        self.controller: PacingController = _controller(mode, abandon_cap, grace_seconds)
        self.alone = FillLines()
        self.lines, self.grace, self.cap, self.clock = lines, grace_seconds, abandon_cap, clock
        self._calls: dict[str, _Call] = {}
        self._hot, self._late = record
        self._lock = threading.Lock()
        self.last_status = PacingStatus(self.controller.name, 0.0)

    # what happened ------------------------------------------------------------------------------
    def on_message(self, message: object) -> None:
        now = self.clock()
        with self._lock:
            if isinstance(message, CallStarted):
                self._calls[message.call_id] = _Call(now)
                return
            call = self._calls.get(getattr(message, "call_id", ""))
            if call is None:
                return
            if isinstance(message, Answered):
                call.answered_at = now
            elif isinstance(message, HotLeadOffered) and message.paced and not call.handed_at:
                call.handed_at = now
                self._hot += 1
                self.controller.observe(HandedOver(now, now - call.answered_at))
            elif isinstance(message, Takeover) and not call.taken_at:
                # An agent may take any call, hot or not; either way that agent is now talking.
                call.taken_at = now
                if call.handed_at:
                    self.controller.observe(Connected(now, now - call.handed_at))
            elif isinstance(message, CallEnded):
                self._ended(message, self._calls.pop(message.call_id), now)

    def _ended(self, message: CallEnded, call: _Call, now: float) -> None:
        if not call.answered_at:
            kind = "busy" if message.outcome == "busy" else "no_answer"
            self.controller.observe(DialResolved(now, kind, None, now - call.placed_at))
            return
        kind = "machine" if message.outcome == "machine" else "live"
        self.controller.observe(DialResolved(now, kind, call.answered_at - call.placed_at, now - call.placed_at))
        if kind == "live" and not call.handed_at:
            self.controller.observe(NotHot(now, now - call.answered_at))
        if call.taken_at:
            self.controller.observe(Handled(now, now - call.taken_at, 0.0))

    # what to do now -----------------------------------------------------------------------------
    def state(self, agents_connected: int) -> CampaignState:
        now = self.clock()
        with self._lock:
            calls = list(self._calls.values())
            for call in calls:
                if call.handed_at and not call.taken_at and not call.late and now - call.handed_at > self.grace:
                    call.late = True
                    self._late += 1
                    self.controller.observe(Abandoned(now))
            talking = tuple(now - c.taken_at for c in calls if c.taken_at)
            return CampaignState(
                now=now,
                agents_idle=max(0, agents_connected - len(talking)),
                talking=talking,
                wrapping=(),
                agents_paused=0,
                ringing=tuple(now - c.placed_at for c in calls if not c.answered_at),
                screening=tuple(
                    now - c.answered_at for c in calls if c.answered_at and not c.handed_at and not c.taken_at
                ),
                waiting=tuple(now - c.handed_at for c in calls if c.handed_at and not c.taken_at),
                free_lines=max(0, self.lines - len(calls)),
                abandon_cap=self.cap,
                live_answers=self._hot,
                abandoned=self._late,
            )

    def retune(self, mode: str, abandon_cap: float) -> None:
        """A supervisor's change, live: the cap counts from the next decision; a new mode starts learning afresh."""
        with self._lock:
            self.cap = abandon_cap
            if mode != self.mode and mode in LIVE_MODES:
                self.mode, self.controller = mode, _controller(mode, abandon_cap, self.grace)

    @property
    def hot_leads(self) -> tuple[int, int]:
        """Hot leads offered to agents so far, and how many of them nobody took in time."""
        with self._lock:
            return self._hot, self._late

    def dials(self, agents_connected: int) -> int:
        state = self.state(agents_connected)
        controller = self.controller if agents_connected else self.alone
        wanted = max(0, min(controller.decide(state), state.free_lines))
        self.last_status = controller.status(state)
        return wanted
