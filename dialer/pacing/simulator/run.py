"""Run one scenario under one controller."""

from __future__ import annotations

from collections.abc import Callable

from dialer.pacing.controller import PacingSettings
from dialer.pacing.registry import build_controller
from dialer.pacing.simulator.engine import Simulation
from dialer.pacing.simulator.scenario import PacingScenario


def simulate(
    scenario: PacingScenario, controller: str, progress: Callable[[float], None] | None = None
) -> dict[str, float | int | str]:
    settings = PacingSettings(abandon_cap=scenario.abandon_cap, grace_seconds=scenario.grace_seconds)
    simulation = Simulation(scenario, lambda sim: build_controller(controller, settings, foresight=sim))
    metrics = simulation.run(progress)
    head: dict[str, float | int | str] = {"scenario": scenario.name, "controller": controller}
    return head | metrics.summary(scenario.duration_hours * 3600) | {"abandon_cap": scenario.abandon_cap}
