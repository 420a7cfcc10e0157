"""The discrete-event run of one campaign under one pacing controller.

Calls and agents move through events on a heap; once a second the controller sees
the campaign and says how many dials to place. Definitions the figures rest on:
- a live call is handed to an agent when answering-machine detection ends (in
  bot-first mode: when the bot decides tier A/B); it is abandoned when no agent takes
  it within the grace period (2 s) after that; in bot-first mode the bot answers every
  call itself, so nothing is abandoned, and a hot lead is *late* past the campaign's
  hot-wait target and *lost* when the caller hangs up before an agent takes over;
- agent time counts while logged in and not on a break; talk and wrap-up time are
  counted to the second, including calls still going when the shift ends.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dialer.pacing.controller import (
    Abandoned,
    CampaignState,
    Connected,
    DialResolved,
    HandedOver,
    Handled,
    NotHot,
    PacingController,
    PacingEvent,
)
from dialer.pacing.simulator.draws import DialStream, Fate
from dialer.pacing.simulator.metrics import RunMetrics
from dialer.pacing.simulator.scenario import PacingScenario


@dataclass(slots=True, eq=False)
class Agent:
    id: int
    state: str = "idle"  # idle, talking, wrapping, break, out
    since: float = 0.0
    next_break_at: float = float("inf")
    leaving: bool = False
    call: Call | None = None
    free_at: float = 0.0  # when it will next be ready (known to the oracle only)


@dataclass(slots=True, eq=False)
class Call:
    id: int
    placed_at: float
    fate: Fate
    state: str = "ringing"  # ringing, screening, waiting, talking, ended
    answered_at: float = 0.0
    ready_at: float = 0.0
    agent: Agent | None = None


@dataclass(order=True, slots=True)
class _Event:
    at: float
    seq: int
    action: Callable[..., None] = field(compare=False)
    subject: Any = field(compare=False)


class Simulation:
    def __init__(self, scenario: PacingScenario, controller_factory: Callable[[Simulation], PacingController]) -> None:
        self.scenario = scenario
        self.bot_first = scenario.bot_first
        self.grace = scenario.grace_seconds
        self.now = 0.0
        self.metrics = RunMetrics()
        self._stream = DialStream(scenario.seed)
        self._agent_rng = random.Random(scenario.seed * 7919 + 1)
        self._events: list[_Event] = []
        self._seq = itertools.count()
        self._agent_ids = itertools.count()
        self.agents: dict[int, Agent] = {}
        self._on_break = 0
        self._idle: OrderedDict[int, Agent] = OrderedDict()  # longest idle first
        self.calls: dict[int, Call] = {}  # every call holding a line
        self._waiting: OrderedDict[int, Call] = OrderedDict()  # first come, first served
        self.dials = 0
        self.controller = controller_factory(self)

    # -- what the controller sees -------------------------------------------------------------

    def state(self) -> CampaignState:
        now, by_state = self.now, {"talking": [], "wrapping": [], "break": []}
        for agent in self.agents.values():
            if agent.state in by_state:
                by_state[agent.state].append(now - agent.since)
        ringing, screening = [], []
        for call in self.calls.values():
            if call.state == "ringing":
                ringing.append(now - call.placed_at)
            elif call.state == "screening":
                screening.append(now - call.answered_at)
        m = self.metrics
        return CampaignState(
            now=now,
            agents_idle=len(self._idle),
            talking=tuple(by_state["talking"]),
            wrapping=tuple(by_state["wrapping"]),
            agents_paused=len(by_state["break"]),
            ringing=tuple(ringing),
            screening=tuple(screening),
            waiting=tuple(now - c.ready_at for c in self._waiting.values()),
            free_lines=self.scenario.lines - len(self.calls),
            abandon_cap=self.scenario.abandon_cap,
            live_answers=m.hot_leads if self.bot_first else m.live_answers,
            abandoned=m.hot_late if self.bot_first else m.abandoned,
        )

    # -- what only the oracle sees -------------------------------------------------------------

    def upcoming_fate(self, offset: int) -> Fate:
        """The fate of the dial `offset` places after the next one, if placed now."""
        return self._stream.fate(self.dials + offset, self.scenario, self.scenario.traffic_at(self.now))

    def agents_free_at(self) -> list[float]:
        """When each agent staying on will next be ready for a call."""
        return [a.free_at for a in self.agents.values() if not a.leaving and a.state != "out"]

    def handover_time(self, placed_at: float, fate: Fate) -> float | None:
        """When a dial placed at `placed_at` will be handed to an agent; None if it never will."""
        if fate.kind != "live" or (self.bot_first and not fate.hot):
            return None
        delay = max(self.scenario.amd_seconds, fate.screen) if self.bot_first else self.scenario.amd_seconds
        return placed_at + fate.ring + delay

    def handovers_in_flight(self) -> list[tuple[float, Fate]]:
        """(hand-over time, fate) of every call in flight that will need an agent."""
        pending = []
        for call in self.calls.values():
            if call.state == "waiting":
                pending.append((call.ready_at, call.fate))
            elif call.state in ("ringing", "screening"):
                at = self.handover_time(call.placed_at, call.fate)
                if at is not None:
                    pending.append((at, call.fate))
        return pending

    # -- the run ------------------------------------------------------------------------------

    def run(self, progress: Callable[[float], None] | None = None) -> RunMetrics:
        end = self.scenario.duration_hours * 3600
        self._set_team(self.scenario.agents)
        for step in self.scenario.drift:
            if step.agents is not None:
                self._schedule(step.at_hour * 3600, lambda n: self._set_team(n), step.agents)
        for second in range(int(end)):
            self._advance(float(second))
            wanted = self.controller.decide(self.state())
            for _ in range(max(0, min(wanted, self.scenario.lines - len(self.calls)))):
                self._dial()
            if progress and second % 600 == 0:
                progress(second / end)
        self._advance(end)
        self._close(end)
        if progress:
            progress(1.0)
        return self.metrics

    def _advance(self, to: float) -> None:
        while self._events and self._events[0].at <= to:
            event = heapq.heappop(self._events)
            self._account(event.at)
            event.action(event.subject)
        self._account(to)

    def _account(self, to: float) -> None:
        if to > self.now:
            self.metrics.agent_seconds += (len(self.agents) - self._on_break) * (to - self.now)
            self.now = to

    def _schedule(self, at: float, action: Callable[[Any], None], subject: Any) -> None:
        heapq.heappush(self._events, _Event(at, next(self._seq), action, subject))

    def _tell(self, event: PacingEvent) -> None:
        self.controller.observe(event)

    # -- dials --------------------------------------------------------------------------------

    def _dial(self) -> None:
        fate = self._stream.fate(self.dials, self.scenario, self.scenario.traffic_at(self.now))
        call = Call(self.dials, self.now, fate)
        self.dials += 1
        self.metrics.dials += 1
        self.calls[call.id] = call
        if fate.kind in ("busy", "no_answer"):
            self._schedule(self.now + fate.ring, self._unanswered, call)
        else:
            self._schedule(self.now + fate.ring, self._answered, call)

    def _unanswered(self, call: Call) -> None:
        self._tell(DialResolved(self.now, call.fate.kind, None, self.now - call.placed_at))
        self._end_call(call)

    def _answered(self, call: Call) -> None:
        call.state, call.answered_at = "screening", self.now
        self._schedule(self.now + self.scenario.amd_seconds, self._detected, call)

    def _detected(self, call: Call) -> None:
        self._tell(DialResolved(self.now, call.fate.kind, call.fate.ring, self.now - call.placed_at))
        if call.fate.kind == "machine":
            self._end_call(call)
            return
        self.metrics.live_answers += 1
        if not self.bot_first:
            self._hand_over(call)
        elif call.fate.hot:
            self._schedule(call.answered_at + max(self.scenario.amd_seconds, call.fate.screen), self._hand_over, call)
        else:
            done = call.answered_at + max(self.scenario.amd_seconds, call.fate.screen)
            self._schedule(done, self._not_hot, call)

    def _not_hot(self, call: Call) -> None:
        self._tell(NotHot(self.now, self.now - call.answered_at))
        assert self.bot_first
        self._schedule(self.now + self.bot_first.goodbye_seconds, self._end_call, call)

    def _hand_over(self, call: Call) -> None:
        call.state, call.ready_at = "waiting", self.now
        if self.bot_first:
            self.metrics.hot_leads += 1
        self._tell(HandedOver(self.now, self.now - call.answered_at))
        self._waiting[call.id] = call
        self._schedule(self.now + self.grace, self._past_grace, call)
        if self.bot_first:
            self._schedule(self.now + call.fate.patience, self._caller_gave_up, call)
        self._match()

    def _past_grace(self, call: Call) -> None:
        if call.state != "waiting":
            return
        self._tell(Abandoned(self.now))
        if self.bot_first:
            self.metrics.hot_late += 1  # still waiting: the bot keeps the caller talking
            return
        self.metrics.record_abandon(call.ready_at)
        del self._waiting[call.id]
        call.state = "abandon_message"
        self._schedule(self.now + self.scenario.abandon_message_seconds, self._end_call, call)

    def _caller_gave_up(self, call: Call) -> None:
        if call.state == "waiting":
            self.metrics.hot_lost += 1
            del self._waiting[call.id]
            self._end_call(call)

    def _end_call(self, call: Call) -> None:
        call.state = "ended"
        del self.calls[call.id]

    # -- agents -------------------------------------------------------------------------------

    def _match(self) -> None:
        while self._waiting and self._idle:
            _, call = self._waiting.popitem(last=False)
            _, agent = self._idle.popitem(last=False)
            self._connect(call, agent)

    def _connect(self, call: Call, agent: Agent) -> None:
        waited = self.now - call.ready_at
        self.metrics.record_connect(call.ready_at, waited, hot=bool(self.bot_first))
        self._tell(Connected(self.now, waited))
        call.state, call.agent = "talking", agent
        agent.state, agent.since, agent.call = "talking", self.now, call
        agent.free_at = self.now + call.fate.talk + call.fate.wrap
        if self.scenario.breaks and agent.free_at >= agent.next_break_at:
            agent.free_at += self.scenario.breaks.minutes * 60
        self._schedule(self.now + call.fate.talk, self._talk_ended, agent)

    def _talk_ended(self, agent: Agent) -> None:
        call = agent.call
        assert call is not None
        self.metrics.talk_seconds += call.fate.talk
        self._end_call(call)
        agent.state, agent.since, agent.call = "wrapping", self.now, None
        self._schedule(self.now + call.fate.wrap, self._wrapped, (agent, call.fate))

    def _wrapped(self, subject: tuple[Agent, Fate]) -> None:
        agent, fate = subject
        self.metrics.wrap_seconds += fate.wrap
        self._tell(Handled(self.now, fate.talk, fate.wrap))
        if agent.leaving:
            agent.state = "out"
            del self.agents[agent.id]
        elif self.now >= agent.next_break_at and self.scenario.breaks:
            agent.state, agent.since = "break", self.now
            self._on_break += 1
            minutes = self.scenario.breaks.minutes
            agent.next_break_at = self.now + (minutes + self.scenario.breaks.every_minutes) * 60
            self._schedule(self.now + minutes * 60, self._ready, agent)
        else:
            self._ready(agent)

    def _ready(self, agent: Agent) -> None:
        if agent.state == "out":  # logged out during a break
            return
        if agent.state == "break":
            self._on_break -= 1
        agent.state, agent.since, agent.free_at = "idle", self.now, self.now
        self._idle[agent.id] = agent
        self._match()

    def _set_team(self, size: int) -> None:
        present = [a for a in self.agents.values() if not a.leaving]
        for _ in range(size - len(present)):
            agent = Agent(next(self._agent_ids))
            if self.scenario.breaks:
                agent.next_break_at = self.now + self.scenario.breaks.every_minutes * 60 * (
                    0.5 + self._agent_rng.random()
                )
            self.agents[agent.id] = agent
            self._ready(agent)
        for agent in sorted(present, key=lambda a: (a.state != "idle", a.state != "break", -a.id))[
            : max(0, len(present) - size)
        ]:
            if agent.state in ("idle", "break"):
                self._idle.pop(agent.id, None)
                self._on_break -= agent.state == "break"
                agent.state = "out"
                del self.agents[agent.id]
            else:
                agent.leaving = True  # finishes the call and its wrap-up first

    def _close(self, end: float) -> None:
        for agent in self.agents.values():
            if agent.state == "talking":
                self.metrics.talk_seconds += end - agent.since
            elif agent.state == "wrapping":
                self.metrics.wrap_seconds += end - agent.since
