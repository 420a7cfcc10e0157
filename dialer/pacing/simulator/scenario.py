"""Pacing scenario files (YAML): a team, its traffic, and how the traffic drifts during the shift."""

from __future__ import annotations

import math
from pathlib import Path
from statistics import NormalDist
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tierdial.config import MAX_ABANDON_CAP, MIN_RING_SECONDS
from tierdial.yaml_files import load_yaml_model

_STANDARD_NORMAL = NormalDist()
GRACE_SECONDS = 2.0  # a live answer not with an agent this long after the greeting is abandoned


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Duration(_Strict):
    """A distribution of seconds; `sample(u)` maps one uniform draw to a value, so runs share random numbers."""

    dist: Literal["lognormal", "exponential", "fixed"] = "lognormal"
    mean: Annotated[float, Field(gt=0, le=24 * 3600)]
    sd: Annotated[float, Field(ge=0, le=24 * 3600)] = 0.0

    @model_validator(mode="after")
    def _spread_given(self) -> Duration:
        if self.dist == "lognormal" and self.sd <= 0:
            raise ValueError("a lognormal distribution needs sd > 0")
        return self

    def sample(self, u: float) -> float:
        u = min(max(u, 1e-12), 1 - 1e-12)
        if self.dist == "fixed":
            return self.mean
        if self.dist == "exponential":
            return -self.mean * math.log(1 - u)
        sigma2 = math.log(1 + (self.sd / self.mean) ** 2)
        mu = math.log(self.mean) - sigma2 / 2
        return math.exp(mu + math.sqrt(sigma2) * _STANDARD_NORMAL.inv_cdf(u))


Rate = Annotated[float, Field(ge=0, le=1)]


class Traffic(_Strict):
    """What can drift during the shift; every field of a drift step is optional."""

    agents: Annotated[int, Field(ge=0, le=2000)] | None = None
    answer_rate: Rate | None = None
    machine_rate: Rate | None = None
    busy_rate: Rate | None = None
    ring_seconds: Duration | None = None
    talk_seconds: Duration | None = None
    wrap_seconds: Duration | None = None
    hot_rate: Rate | None = None


class Drift(Traffic):
    at_hour: Annotated[float, Field(gt=0)]


class Breaks(_Strict):
    """Each agent takes a break of `minutes` about every `every_minutes`, after finishing a call."""

    every_minutes: Annotated[float, Field(gt=0)] = 120
    minutes: Annotated[float, Field(gt=0)] = 15


class BotFirst(_Strict):
    """The voice bot screens every answered call; only tier A/B (`hot_rate` of live answers) go to agents."""

    hot_rate: Rate = 0.2
    screen_seconds: Duration = Duration(mean=25, sd=10)  # answer -> tier A/B decided
    hot_patience_seconds: Duration = Duration(mean=40, sd=20)  # a hot lead hangs up if nobody takes over by then
    goodbye_seconds: Annotated[float, Field(ge=0, le=60)] = 5  # the bot closes a call that did not turn hot
    max_hot_wait_seconds: Annotated[float, Field(gt=0, le=120)] = 10  # the pacing target


class PacingScenario(_Strict):
    name: str = ""
    agents: Annotated[int, Field(ge=1, le=2000)]
    duration_hours: Annotated[float, Field(gt=0, le=24)]
    seed: int = 0
    answer_rate: Rate
    machine_rate: Rate = 0.0
    busy_rate: Rate = 0.0
    ring_seconds: Duration
    no_answer_timeout: Annotated[float, Field(ge=MIN_RING_SECONDS, le=120)] = 25
    talk_seconds: Duration
    wrap_seconds: Duration = Duration(dist="fixed", mean=1)
    amd_seconds: Annotated[float, Field(ge=0, le=10)] = 2.5
    abandon_cap: Annotated[float, Field(gt=0, le=MAX_ABANDON_CAP)] = MAX_ABANDON_CAP
    busy_signal_seconds: Annotated[float, Field(gt=0, le=30)] = 3
    abandon_message_seconds: Annotated[float, Field(ge=0, le=60)] = 8  # who called and how to opt out
    trunk_lines: Annotated[int, Field(ge=1, le=20000)] | None = None  # default: 4 per agent
    breaks: Breaks | None = None
    bot_first: BotFirst | None = None
    drift: list[Drift] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rates_add_up(self) -> PacingScenario:
        steps = [self, *self.drift]
        for step in steps:
            answer = step.answer_rate if step.answer_rate is not None else self.answer_rate
            machine = step.machine_rate if step.machine_rate is not None else self.machine_rate
            busy = step.busy_rate if step.busy_rate is not None else self.busy_rate
            if answer + machine + busy > 1:
                where = f"drift at hour {step.at_hour}" if isinstance(step, Drift) else "the scenario"
                raise ValueError(f"{where}: answer_rate + machine_rate + busy_rate is over 1")
        if any(d.at_hour >= self.duration_hours for d in self.drift):
            raise ValueError("every drift step must come before the end of the shift (at_hour < duration_hours)")
        return self

    @property
    def lines(self) -> int:
        if self.trunk_lines is not None:
            return self.trunk_lines
        return 4 * max([self.agents, *(d.agents or 0 for d in self.drift)])

    @property
    def grace_seconds(self) -> float:
        """How long a handed-over call may wait for an agent: 2 s, or in bot-first mode the hot-wait target."""
        return self.bot_first.max_hot_wait_seconds if self.bot_first else GRACE_SECONDS

    def traffic_at(self, seconds: float) -> Traffic:
        """The traffic in force `seconds` into the shift: the base values overlaid by every drift step so far."""
        values = {name: getattr(self, name) for name in Traffic.model_fields if name != "hot_rate"}
        values["hot_rate"] = self.bot_first.hot_rate if self.bot_first else None
        for step in sorted(self.drift, key=lambda d: d.at_hour):
            if step.at_hour * 3600 > seconds:
                break
            values.update({k: v for k, v in step if k in Traffic.model_fields and v is not None})
        return Traffic(**values)


def load_pacing_scenario(path: Path) -> PacingScenario:
    return load_yaml_model(path, PacingScenario, "scenario", defaults={"name": path.stem})
