"""Several nodes on one PostgreSQL database, as `tierdial bench cluster` runs them: two stations and a console node,
real SIP calls to simulated callees, a takeover clicked on the console node for a call on each station, then one
station killed with SIGKILL mid-campaign."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli

pytestmark = pytest.mark.realtime


def test_two_stations_and_a_console_node_lose_nothing_when_one_station_dies(cli_env: dict, tmp_path: Path) -> None:
    result = run_cli("bench", "cluster", "--nodes", "2", "--json", env=cli_env, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["nodes"] == 2 and figures["dials"] >= figures["contacts"] - 2, figures
    # Every contact dialled once: claims kept the two stations apart, and the dead one's calls were not redialled.
    assert figures["double_dials"] == 0, figures
    assert figures["live_nodes_calls_closed_as_interrupted"] == 0, figures  # only the killed station's calls were
    assert figures["processes_left_by_killed_node"] == 0, figures  # its ASR service and SIP workers ended with it
    assert figures["lost_optouts"] == 0 and figures["lost_transcripts"] == 0, figures
    assert figures["transcripts_shown"] > 0, figures  # the console node saw both stations' calls live
    assert all(calls > 0 for calls in figures["calls_per_node"]), figures  # each station paced a campaign
    # The dead station's campaign moved to the other within 30 s, and a takeover clicked on the console node
    # reached a call of it there.
    assert figures["campaign_failover_s"] < 30, figures
    assert figures["takeover_failover_s"] >= figures["first_call_after_failover_s"] >= figures["campaign_failover_s"], (
        figures
    )
