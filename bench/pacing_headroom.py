"""Benchmark: how much talk time a perfect forecast of the agents would add to tierdial's pacing.

    .venv/bin/python bench/pacing_headroom.py [--scenario FILE ...]   # JSON on stdout, ~1 minute a scenario

tierdial forecasts when busy agents will be free from the recent talk and wrap-up times; the
oracle knows that and every dial's fate too. Between them this runs tierdial told each agent's
exact end of talk and wrap-up in advance (but not which dials will reach a person, nor when),
so a scenario's gap to the oracle splits into what a better forecast of agents could win and
what no controller without the dials' future can. Knowing its agents, it needs less room for
errors: it aims at 97 % of the cap with a reserve of half an abandon, over a grid of its base
threshold and budget scale. Prints, per scenario, VICIdial's method, tierdial, the oracle and
every told-agents run, with the best told-agents talk time within the cap and what 1.15x
VICIdial's would be.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialer.pacing.controller import CampaignState, PacingSettings
from dialer.pacing.simulator.engine import Simulation
from dialer.pacing.simulator.run import simulate, simulate_with
from dialer.pacing.simulator.scenario import PacingScenario, load_pacing_scenario
from dialer.pacing.tierdial import TierdialController

DEFAULT_SCENARIO = Path(__file__).parent / "scenarios" / "team5_answer30_breaks.yaml"


class ToldAgentsController(TierdialController):
    """tierdial with the simulator's agents' ends of call in place of its forecast of them."""

    name = "tierdial_told_agents"
    target_share, reserve_abandons, careful_margin = 0.97, 0.5, 0.0

    def __init__(self, settings: PacingSettings, simulation: Simulation, base: float, budget_scale: float) -> None:
        super().__init__(settings)
        self.simulation, self.base_threshold, self.budget_scale = simulation, base, budget_scale

    def _supply(self, state: CampaignState, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        seconds = np.arange(horizon)
        free_at = np.asarray(self.simulation.agents_free_at(), float) - state.now
        return (free_at[:, None] <= seconds[None, :]).sum(axis=0).astype(float), np.zeros(horizon)


BASES, BUDGET_SCALES = (0.01, 0.03, 0.1, 0.3), (3.0, 10.0)
Job = tuple[PacingScenario, str, float, float]


def _run(job: Job) -> dict[str, float | int | str]:
    scenario, controller, base, scale = job
    if controller != ToldAgentsController.name:
        return simulate(scenario, controller)
    run = simulate_with(scenario, controller, lambda settings, sim: ToldAgentsController(settings, sim, base, scale))
    return run | {"base_threshold": base, "budget_scale": scale}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, action="append", help="scenario YAML (repeatable)")
    args = parser.parse_args()
    scenarios = [load_pacing_scenario(path) for path in args.scenario or [DEFAULT_SCENARIO]]
    jobs: list[Job] = [(s, c, 0.0, 0.0) for s in scenarios for c in ("vicidial", "tierdial", "oracle")]
    jobs += [(s, ToldAgentsController.name, b, k) for s in scenarios for b in BASES for k in BUDGET_SCALES]
    with ProcessPoolExecutor() as pool, tqdm(total=len(jobs), desc="pacing runs", unit="run", file=sys.stderr) as bar:
        runs = []
        for run in pool.map(_run, jobs):
            runs.append(run)
            bar.update()
    print(json.dumps({"results": [_figures(scenario, runs) for scenario in scenarios]}, indent=2))


def _figures(scenario: PacingScenario, runs: list[dict[str, float | int | str]]) -> dict[str, object]:
    mine = [run for run in runs if run["scenario"] == scenario.name]
    by_name = {str(run["controller"]): run for run in mine if "base_threshold" not in run}
    told = [run for run in mine if "base_threshold" in run]
    within = [
        float(run["talk_minutes_per_agent_hour"]) for run in told if float(run["abandon_rate"]) <= scenario.abandon_cap
    ]
    vicidial = float(by_name["vicidial"]["talk_minutes_per_agent_hour"])
    keep = ("talk_minutes_per_agent_hour", "abandon_rate")
    return {
        "scenario": scenario.name,
        **{name: {key: by_name[name][key] for key in keep} for name in ("vicidial", "tierdial", "oracle")},
        "told_agents": [{key: run[key] for key in ("base_threshold", "budget_scale", *keep)} for run in told],
        "told_agents_best_within_cap": max(within, default=None),
        "talk_for_1_15x_vicidial": round(1.15 * vicidial, 1),
    }


if __name__ == "__main__":
    main()
