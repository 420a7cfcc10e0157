"""The pacing simulator: scenario files, determinism, the abandonment rule, drift, and the benchmark command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dialer.pacing.controller import CampaignState
from dialer.pacing.registry import build_controller
from dialer.pacing.simulator.engine import Simulation
from dialer.pacing.simulator.run import simulate
from dialer.pacing.simulator.scenario import PacingScenario, load_pacing_scenario
from tests.helpers import run_cli
from tierdial.errors import UserError

SHIPPED = sorted(Path(__file__).parents[1].joinpath("bench", "scenarios").glob("*.yaml"))


def scenario(**changes: object) -> PacingScenario:
    base = {
        "name": "small",
        "agents": 6,
        "duration_hours": 1,
        "seed": 3,
        "answer_rate": 0.25,
        "machine_rate": 0.1,
        "busy_rate": 0.05,
        "ring_seconds": {"dist": "lognormal", "mean": 12, "sd": 6},
        "talk_seconds": {"dist": "lognormal", "mean": 120, "sd": 60},
        "wrap_seconds": {"dist": "lognormal", "mean": 15, "sd": 5},
    }
    return PacingScenario.model_validate(base | changes)


def test_every_shipped_scenario_loads() -> None:
    names = {load_pacing_scenario(path).name for path in SHIPPED}
    assert {"team5_answer10", "team20_answer25_drift", "team100_answer30", "botfirst_team20"} <= names


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "agents: 5\nduration_hours: 1\nanswer_rate: 0.7\nmachine_rate: 0.4\n"
            "ring_seconds: {mean: 10, sd: 3}\ntalk_seconds: {mean: 60, sd: 9}\n",
            "over 1",
        ),
        (
            "agents: 5\nduration_hours: 1\nanswer_rate: 0.2\nno_answer_timeout: 10\n"
            "ring_seconds: {mean: 10, sd: 3}\ntalk_seconds: {mean: 60, sd: 9}\n",
            "no_answer_timeout",
        ),
        (
            "agents: 5\nduration_hours: 1\nanswer_rate: 0.2\nabandon_cap: 0.05\n"
            "ring_seconds: {mean: 10, sd: 3}\ntalk_seconds: {mean: 60, sd: 9}\n",
            "abandon_cap",
        ),
        ("agents: 5\nduration_hours: 1\nanswer_rate: 0.2\nring_secs: 3\n", "ring_secs"),
        ("agents: [", "not valid YAML"),
    ],
)
def test_a_bad_scenario_is_refused_with_the_reason(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        load_pacing_scenario(path)


def test_a_run_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    first, again = simulate(scenario(), "tierdial"), simulate(scenario(), "tierdial")
    other = simulate(scenario(seed=4), "tierdial")
    assert first == again
    assert first["dials"] != other["dials"]


def test_progressive_pacing_never_abandons_and_keeps_agents_in_talk() -> None:
    result = simulate(scenario(), "progressive")
    assert result["abandoned"] == 0 and result["live_answers"] > 50
    assert 0 < result["occupancy"] < 1 and result["talk_minutes_per_agent_hour"] > 10


class DialEverything:
    """Fills every free line: what a runaway dialer does. Answered callers find no agent and are abandoned."""

    name = "everything"

    def decide(self, state: CampaignState) -> int:
        return state.free_lines

    def observe(self, event: object) -> None:
        pass


def test_a_live_answer_nobody_takes_within_two_seconds_is_abandoned() -> None:
    simulation = Simulation(scenario(trunk_lines=60), lambda sim: DialEverything())  # type: ignore[arg-type,return-value]
    metrics = simulation.run()
    assert metrics.abandoned > 0.5 * metrics.live_answers
    assert metrics.max_abandon_rate(3600) >= metrics.abandoned / metrics.live_answers


def test_traffic_drifts_at_the_hour_it_says() -> None:
    drifting = scenario(duration_hours=2, drift=[{"at_hour": 1, "answer_rate": 0.05, "agents": 2}])
    assert drifting.traffic_at(3599).answer_rate == 0.25 and drifting.traffic_at(3600).answer_rate == 0.05
    steady, shrinking = simulate(scenario(duration_hours=2), "progressive"), simulate(drifting, "progressive")
    assert shrinking["live_answers"] < 0.8 * steady["live_answers"]


def test_bot_first_counts_hot_leads_and_their_waits() -> None:
    bot = {"hot_rate": 0.3, "screen_seconds": {"mean": 20, "sd": 5}, "hot_patience_seconds": {"mean": 30, "sd": 10}}
    result = simulate(scenario(bot_first=bot), "tierdial")
    assert result["abandoned"] == 0  # the bot answers every call itself
    assert result["hot_leads"] > 20 and result["hot_leads"] < result["live_answers"]
    assert 0 <= result["hot_wait_p50_seconds"] <= result["hot_wait_p95_seconds"]


def test_the_oracle_needs_the_simulator() -> None:
    from dialer.pacing.controller import PacingSettings

    with pytest.raises(ValueError, match="simulator"):
        build_controller("oracle", PacingSettings(abandon_cap=0.03))


def short_scenario_file(folder: Path) -> Path:
    """Half an hour of four agents, as a file: for the benchmarks' command lines."""
    short = folder / "short.yaml"
    short.write_text(
        "agents: 4\nduration_hours: 0.5\nseed: 1\nanswer_rate: 0.3\nring_seconds: {mean: 10, sd: 4}\n"
        "talk_seconds: {mean: 90, sd: 30}\n",
        encoding="utf-8",
    )
    return short


def test_bench_pacing_prints_json_and_draws_the_plot(tmp_path: Path, cli_env: dict) -> None:
    short = short_scenario_file(tmp_path)
    plot = tmp_path / "pacing.png"
    result = run_cli("bench", "pacing", "--scenario", str(short), "--plot", str(plot), "--json", env=cli_env)
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout)
    assert [r["controller"] for r in figures["results"]] == ["progressive", "vicidial", "tierdial", "oracle"]
    keys = {
        "scenario",
        "controller",
        "dials",
        "live_answers",
        "abandoned",
        "abandon_rate",
        "talk_minutes_per_agent_hour",
        "occupancy",
        "max_abandon_rate_30min",
    }
    assert all(keys <= set(r) for r in figures["results"])
    assert "pacing runs" in result.stderr  # the progress bar
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_headroom_bench_splits_the_gap_to_the_oracle(tmp_path: Path, cli_env: dict) -> None:
    """bench/pacing_headroom.py: tierdial told the agents' ends of call, beside VICIdial's method and the oracle."""
    short = short_scenario_file(tmp_path)
    script = Path(__file__).parents[1] / "bench" / "pacing_headroom.py"
    result = subprocess.run(
        [sys.executable, str(script), "--scenario", str(short)], capture_output=True, text=True, env=cli_env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (figures,) = json.loads(result.stdout)["results"]
    assert figures["scenario"] == "short" and figures["oracle"]["abandon_rate"] == 0
    assert len(figures["told_agents"]) == 8 and "pacing runs" in result.stderr
    assert figures["talk_for_1_15x_vicidial"] == round(1.15 * figures["vicidial"]["talk_minutes_per_agent_hour"], 1)


def test_bench_pacing_names_an_unknown_controller(tmp_path: Path, cli_env: dict) -> None:
    result = run_cli("bench", "pacing", "--scenario", str(SHIPPED[0]), "--controllers", "tierdial,magic", env=cli_env)
    assert result.returncode == 2 and "magic" in result.stderr


@pytest.mark.timeout(900)
def test_on_every_shipped_scenario_tierdial_keeps_the_cap_and_beats_vicidial() -> None:
    from dialer.pacing.bench import comparisons, run_pacing_bench

    results = run_pacing_bench(SHIPPED, ["vicidial", "tierdial"])
    for row in comparisons(results):
        assert row["within_cap"] and row["abandon_not_above_vicidial"], row
        assert row["talk_ratio_to_vicidial"] > 1.0, row
