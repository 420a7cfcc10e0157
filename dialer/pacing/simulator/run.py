"""Run one scenario under one controller."""

from __future__ import annotations

from collections.abc import Callable

from dialer.pacing.controller import PacingController, PacingSettings
from dialer.pacing.registry import build_controller
from dialer.pacing.simulator.engine import Simulation
from dialer.pacing.simulator.scenario import PacingScenario


def simulate(
    scenario: PacingScenario, controller: str, progress: Callable[[float], None] | None = None
) -> dict[str, float | int | str]:
    return simulate_with(
        scenario, controller, lambda settings, sim: build_controller(controller, settings, foresight=sim), progress
    )


def simulate_with(
    scenario: PacingScenario,
    name: str,
    make: Callable[[PacingSettings, Simulation], PacingController],
    progress: Callable[[float], None] | None = None,
) -> dict[str, float | int | str]:
    """Run a controller `make` builds from the scenario's settings and the simulation (studies pass their own)."""
    settings = PacingSettings(abandon_cap=scenario.abandon_cap, grace_seconds=scenario.grace_seconds)
    metrics = Simulation(scenario, lambda sim: make(settings, sim)).run(progress)
    head: dict[str, float | int | str] = {"scenario": scenario.name, "controller": name}
    return head | metrics.summary(scenario.duration_hours * 3600) | {"abandon_cap": scenario.abandon_cap}
