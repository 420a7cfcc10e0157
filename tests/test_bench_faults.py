"""`tierdial bench faults` runs a fault end to end and finds nothing lost (the quickest fault: a SIP worker killed)."""

from __future__ import annotations

import json

import pytest

from station.bench_faults import run_bench_faults
from tests.helpers import run_cli
from tierdial.config import parse_config
from tierdial.errors import UserError

pytestmark = pytest.mark.realtime


@pytest.mark.timeout(240)
def test_a_sip_worker_killed_mid_campaign_loses_nothing(cli_env: dict) -> None:
    result = run_cli("bench", "faults", "--fault", "sip_worker_killed", "--contacts", "4", "--json", env=cli_env)
    assert result.returncode == 0, result.stderr[-3000:]
    [figures] = [json.loads(line) for line in result.stdout.splitlines()]
    assert figures["fault"] == "sip_worker_killed" and figures["calls"] == 4, figures
    lost = ("lost_optouts", "lost_transcripts", "lost_outcomes", "double_dials")
    assert {name: figures[name] for name in lost} == dict.fromkeys(lost, 0), figures
    assert figures["recovered_s"] is not None and "the station's log says so" in figures["notes"], figures


@pytest.mark.timeout(240)
def test_a_lossy_callee_network_is_reported_and_loses_nothing(cli_env: dict) -> None:
    result = run_cli("bench", "faults", "--fault", "packet_loss", "--contacts", "4", "--json", env=cli_env)
    assert result.returncode == 0, result.stderr[-3000:]
    [figures] = [json.loads(line) for line in result.stdout.splitlines()]
    lost = ("lost_optouts", "lost_transcripts", "lost_outcomes", "double_dials")
    assert {name: figures[name] for name in lost} == dict.fromkeys(lost, 0), figures
    # Every call answered had its gaps reported, and a tier decided all the same (no call "not heard").
    assert "callee audio gaps reported on 4 of 4 answered calls" in figures["notes"], figures
    assert "not heard" not in figures["notes"], figures


@pytest.mark.timeout(240)
def test_postgresql_restarted_mid_campaign_loses_nothing_and_dialling_resumes(cli_env: dict) -> None:
    """The server stopped while a callee says an opt-out, kept down while calls end: what they recorded is kept in
    memory, written once it is back (the opt-out on the do-not-call list), and the station dials again by itself."""
    result = run_cli("bench", "faults", "--fault", "postgres_restarted", "--contacts", "4", "--json", env=cli_env)
    assert result.returncode == 0, result.stderr[-3000:]
    [figures] = [json.loads(line) for line in result.stdout.splitlines()]
    assert figures["fault"] == "postgres_restarted" and figures["calls"] == 4, figures
    lost = ("lost_optouts", "lost_transcripts", "lost_outcomes", "double_dials")
    assert {name: figures[name] for name in lost} == dict.fromkeys(lost, 0), figures
    # A call placed and heard after the restart: the station dialled again without anyone's help.
    assert figures["recovered_s"] is not None and "the station's log says so" in figures["notes"], figures
    assert "the database does not answer" in result.stderr and "dialling resumes" in result.stderr, result.stderr[
        -3000:
    ]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]


def test_bench_faults_says_why_the_console_is_not_killed() -> None:
    with pytest.raises(UserError, match="from a thread of its own process"):
        run_bench_faults(parse_config({}, "test"), None, ["console_killed"], contacts=12)
