"""Each dial's fate, drawn from a stream of random numbers shared by every controller.

The k-th dial of a run always gets the k-th set of uniform numbers, turned into an
outcome with the traffic in force when it is placed. Controllers compared on one
scenario therefore face the same luck, and the oracle can look ahead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from dialer.pacing.simulator.scenario import PacingScenario, Traffic

UNIFORMS_PER_DIAL = 7


@dataclass(frozen=True, slots=True)
class Fate:
    kind: Literal["live", "machine", "busy", "no_answer"]
    ring: float  # live, machine: seconds to answer; busy, no answer: seconds until the dial gives up
    talk: float
    wrap: float
    hot: bool  # bot-first mode: the live callee turns tier A/B
    screen: float  # bot-first mode: seconds from answer to the tier decision
    patience: float  # bot-first mode: how long a hot lead waits for an agent before hanging up


class DialStream:
    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._uniforms: list[float] = []

    def fate(self, index: int, scenario: PacingScenario, traffic: Traffic) -> Fate:
        needed = (index + 1) * UNIFORMS_PER_DIAL
        while len(self._uniforms) < needed:
            self._uniforms.append(self._rng.random())
        u_kind, u_ring, u_talk, u_wrap, u_hot, u_screen, u_patience = self._uniforms[index * UNIFORMS_PER_DIAL : needed]
        answer, machine, busy = traffic.answer_rate, traffic.machine_rate, traffic.busy_rate
        assert answer is not None and machine is not None and busy is not None
        assert traffic.ring_seconds and traffic.talk_seconds and traffic.wrap_seconds
        ring = traffic.ring_seconds.sample(u_ring)
        if u_kind < answer + machine and ring < scenario.no_answer_timeout:
            kind: Literal["live", "machine", "busy", "no_answer"] = "live" if u_kind < answer else "machine"
        elif answer + machine <= u_kind < answer + machine + busy:
            kind, ring = "busy", scenario.busy_signal_seconds
        else:
            # Someone who would pick up only after the timeout is, to the dialer, a no-answer.
            kind, ring = "no_answer", scenario.no_answer_timeout
        bot = scenario.bot_first
        return Fate(
            kind=kind,
            ring=ring,
            talk=traffic.talk_seconds.sample(u_talk),
            wrap=traffic.wrap_seconds.sample(u_wrap),
            hot=bot is not None and u_hot < (traffic.hot_rate or 0.0),
            screen=bot.screen_seconds.sample(u_screen) if bot else 0.0,
            patience=bot.hot_patience_seconds.sample(u_patience) if bot else 0.0,
        )
