"""Running `tierdial serve` nodes in tests: their configuration, callees inside the calling window, polls."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from dialer.sim.setup import phones_inside_calling_window  # noqa: F401  (tests import it from here)
from station.sim_nodes import scenario_file, station_config  # noqa: F401  (tests import them from here)
from tests.helpers import ROOT
from tierdial import processes


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
