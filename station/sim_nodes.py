"""Nodes whose carrier is simulated: a node's config.yaml with a callee simulator as its trunk and a simulated
headset as its agent's phone, and the callees' scenario file (the cluster benchmark and the tests)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml


def station_config(
    folder: Path,
    callee_port: int,
    *,
    database_url: str | None = None,
    name: str = "node-a",
    headset_port: int | None = None,
    agent: str = "agent1",
    lines: int = 3,
    **extra: object,
) -> Path:
    """A config.yaml for one node: the callee simulator as its trunk, one owned caller number, the agent's phone on
    the simulated headset, the console on a free port. Returns its path."""
    data: dict = {
        "data_dir": str(folder / "var"),
        "database": {"url": database_url},
        "console": {"port": 0},
        "station": {"name": name, "lines": lines, "drain_seconds": 60},
        "sip": {"workers": 2},
        "trunks": [{"name": "sim", "uri": f"sip:127.0.0.1:{callee_port}"}],
        "caller_numbers": [{"number": "+82 2 3456 7890", "trunk": "sim", "region": "KR", "owned": True}],
        "agents": [{"name": agent, "phone": f"sip:{agent}@127.0.0.1:{headset_port}"}] if headset_port else [],
        **extra,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def scenario_file(folder: Path, callees: dict[str, dict], name: str = "callees") -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"default": {"action": "no_answer"}, "numbers": callees}), encoding="utf-8")
    return path
