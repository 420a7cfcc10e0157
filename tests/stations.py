"""Running `tierdial serve` nodes in tests: their configuration, callees inside the calling window, polls."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import yaml

from tests.helpers import ROOT
from tierdial import processes

T = TypeVar("T")

# Mobile numbers of three regions 5 to 9 hours apart: at any hour of the day one of them is inside 08:00-21:00.
REGIONS = (
    ("Asia/Seoul", "+8210300{:05d}"),
    ("Europe/London", "+4479111{:05d}"),
    ("America/Bogota", "+57300123{:04d}"),
)


def phones_inside_calling_window(count: int, first: int = 1, minutes_needed: int = 30) -> list[str]:
    """Numbers of a region where it is now at least 08:30 and the window stays open for `minutes_needed`: the
    station dials by the real clock, and a test must not depend on the hour it runs at."""
    now = dt.datetime.now(dt.UTC)
    for zone, pattern in REGIONS:
        local = now.astimezone(ZoneInfo(zone))
        opens = local.replace(hour=8, minute=30, second=0, microsecond=0)
        closes = local.replace(hour=21, minute=0, second=0, microsecond=0) - dt.timedelta(minutes=minutes_needed)
        if opens <= local <= closes:
            return [pattern.format(k) for k in range(first, first + count)]
    raise AssertionError("no region is inside its calling window now (cannot happen with these three)")


def poll_until(probe: Callable[[], T], timeout: float, what: str, every: float = 0.2) -> T:
    """The first truthy value of `probe()`, polled until `timeout` seconds; fails naming `what` was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def station_config(
    folder: Path,
    callee_port: int,
    *,
    database_url: str | None = None,
    name: str = "node-a",
    headset_port: int | None = None,
    lines: int = 3,
    **extra: object,
) -> Path:
    """A config.yaml for one node: the callee simulator as its trunk, one owned caller number, agent1's phone on
    the simulated headset, the console on a free port. Returns its path."""
    data: dict = {
        "data_dir": str(folder / "var"),
        "database": {"url": database_url},
        "console": {"port": 0},
        "station": {"name": name, "lines": lines, "drain_seconds": 60},
        "sip": {"workers": 2},
        "trunks": [{"name": "sim", "uri": f"sip:127.0.0.1:{callee_port}"}],
        "caller_numbers": [{"number": "+82 2 3456 7890", "trunk": "sim", "region": "KR", "owned": True}],
        "agents": [{"name": "agent1", "phone": f"sip:agent1@127.0.0.1:{headset_port}"}] if headset_port else [],
        **extra,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def scenario_file(folder: Path, callees: dict[str, dict]) -> Path:
    path = folder / "callees.json"
    path.write_text(json.dumps({"default": {"action": "no_answer"}, "numbers": callees}), encoding="utf-8")
    return path


def serve(config: Path, *extra: str) -> processes.Service:
    """`tierdial serve` with this config, started and listening (its console's address is the service's)."""
    return processes.start_service(["--config", str(config), *extra, "serve"], "listening on", cwd=ROOT)


def get_json(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
