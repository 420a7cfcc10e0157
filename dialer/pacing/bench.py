"""`tierdial bench pacing`: every controller on every scenario, figures as JSON, and a plot."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tqdm import tqdm

from dialer.pacing.registry import CONTROLLERS
from dialer.pacing.simulator.run import simulate
from dialer.pacing.simulator.scenario import PacingScenario, load_pacing_scenario
from tierdial.errors import UserError

Result = dict[str, float | int | str]


def _run(job: tuple[PacingScenario, str]) -> Result:
    return simulate(*job)


def run_pacing_bench(
    scenario_files: list[Path],
    controllers: list[str],
    generated: list[PacingScenario] | None = None,
    workers: int | None = None,
) -> list[Result]:
    unknown = [c for c in controllers if c not in CONTROLLERS]
    if unknown:
        raise UserError(f"unknown controller(s) {', '.join(unknown)}; choose from {', '.join(CONTROLLERS)}")
    scenarios = [load_pacing_scenario(path) for path in scenario_files]  # every file is checked before any run
    scenarios += generated or []
    if not scenarios:
        raise UserError("nothing to run: give --scenario FILE and/or --generated N")
    jobs = [(scenario, controller) for scenario in scenarios for controller in controllers]
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    with (
        ProcessPoolExecutor(workers) as pool,
        tqdm(total=len(jobs), desc="pacing runs", unit="run", file=sys.stderr) as bar,
    ):
        results = []
        for result in pool.map(_run, jobs):
            results.append(result)
            bar.update()
    return results


def comparisons(results: list[Result]) -> list[dict[str, float | str | bool]]:
    """Per scenario: tierdial against vicidial and the oracle, and whether it met the targets."""
    by_scenario: dict[str, dict[str, Result]] = {}
    for result in results:
        by_scenario.setdefault(str(result["scenario"]), {})[str(result["controller"])] = result
    rows: list[dict[str, float | str | bool]] = []
    for name, runs in by_scenario.items():
        ours = runs.get("tierdial")
        if ours is None:
            continue
        row: dict[str, float | str | bool] = {"scenario": name}
        talk = float(ours["talk_minutes_per_agent_hour"])
        for other in ("vicidial", "oracle"):
            if other in runs and float(runs[other]["talk_minutes_per_agent_hour"]):
                row[f"talk_ratio_to_{other}"] = round(talk / float(runs[other]["talk_minutes_per_agent_hour"]), 3)
        row["within_cap"] = float(ours["abandon_rate"]) <= float(ours["abandon_cap"])
        if "vicidial" in runs:
            row["abandon_not_above_vicidial"] = float(ours["abandon_rate"]) <= float(runs["vicidial"]["abandon_rate"])
        rows.append(row)
    return rows
