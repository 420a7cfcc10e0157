"""Scenarios nobody tuned for: random teams and traffic within stated bounds, reproducible by seed."""

from __future__ import annotations

import random

from dialer.pacing.simulator.scenario import PacingScenario


def _duration(rng: random.Random, low: float, high: float) -> dict[str, float | str]:
    mean = rng.uniform(low, high)
    return {"dist": "lognormal", "mean": round(mean, 1), "sd": round(mean * rng.uniform(0.2, 0.8), 1)}


def generated_scenarios(count: int, seed: int, hours: float = 4.0) -> list[PacingScenario]:
    """Teams of 3-150, 8-35 % of dials reaching a person, talk 1-6 min, and one drift halfway through."""
    rng = random.Random(seed)
    scenarios = []
    for n in range(count):
        agents = rng.choice([3, 5, 8, 12, 20, 35, 60, 100, 150])
        data: dict[str, object] = {
            "name": f"generated_{seed}_{n}_team{agents}",
            "agents": agents,
            "duration_hours": hours,
            "seed": rng.randrange(1_000_000),
            "answer_rate": round(rng.uniform(0.08, 0.35), 3),
            "machine_rate": round(rng.uniform(0, 0.2), 3),
            "busy_rate": round(rng.uniform(0, 0.08), 3),
            "ring_seconds": _duration(rng, 6, 18),
            "no_answer_timeout": rng.choice([20, 25, 30]),
            "talk_seconds": _duration(rng, 60, 360),
            "wrap_seconds": _duration(rng, 5, 45),
            "amd_seconds": round(rng.uniform(1.5, 3.5), 1),
            "drift": [{"at_hour": hours / 2, "answer_rate": round(rng.uniform(0.08, 0.35), 3)}],
        }
        if rng.random() < 0.4:
            data["breaks"] = {"every_minutes": 90, "minutes": 10}
        scenarios.append(PacingScenario.model_validate(data))
    return scenarios
