"""`tierdial bench faults` runs each fault end to end and finds nothing lost: a SIP worker killed, the callees'
packets lost, PostgreSQL restarted, a console node killed during a list upload and during a takeover click. (The ASR
service killed: `test_asr.py` and `test_serve.py`; the clock stepped across the calling window's edges:
`test_clock_step.py`, on the runner itself, in a second rather than the minute a campaign takes.)"""

from __future__ import annotations

import json

import pytest

from tests.helpers import run_cli

pytestmark = pytest.mark.realtime
LOST = ("lost_optouts", "lost_transcripts", "lost_outcomes", "double_dials")


def _fault(cli_env: dict, fault: str, contacts: int) -> tuple[dict, str]:
    """`tierdial bench faults` for one fault, as a user runs it: its figures, and what it logged."""
    result = run_cli("bench", "faults", "--fault", fault, "--contacts", str(contacts), "--json", env=cli_env)
    assert result.returncode == 0, result.stderr[-3000:]
    [figures] = [json.loads(line) for line in result.stdout.splitlines()]
    return figures, result.stderr


def _nothing_lost(figures: dict) -> None:
    assert {name: figures[name] for name in LOST} == dict.fromkeys(LOST, 0), figures


@pytest.mark.timeout(240)
def test_a_sip_worker_killed_mid_campaign_loses_nothing(cli_env: dict) -> None:
    figures, _said = _fault(cli_env, "sip_worker_killed", 4)
    assert figures["fault"] == "sip_worker_killed" and figures["calls"] == 4, figures
    _nothing_lost(figures)
    assert figures["recovered_s"] is not None and "the station's log says so" in figures["notes"], figures


@pytest.mark.timeout(240)
def test_a_lossy_callee_network_is_reported_and_loses_nothing(cli_env: dict) -> None:
    figures, _said = _fault(cli_env, "packet_loss", 4)
    _nothing_lost(figures)
    # Every call answered had its gaps reported, and a tier decided all the same (no call "not heard").
    assert "callee audio gaps reported on 4 of 4 answered calls" in figures["notes"], figures
    assert "not heard" not in figures["notes"], figures


@pytest.mark.timeout(240)
def test_postgresql_restarted_mid_campaign_loses_nothing_and_dialling_resumes(cli_env: dict) -> None:
    """The server stopped while a callee says an opt-out, kept down while calls end: what they recorded is kept in
    memory, written once it is back (the opt-out on the do-not-call list), and the station dials again by itself."""
    figures, said = _fault(cli_env, "postgres_restarted", 4)
    assert figures["fault"] == "postgres_restarted" and figures["calls"] == 4, figures
    _nothing_lost(figures)
    # A call placed and heard after the restart: the station dialled again without anyone's help.
    assert figures["recovered_s"] is not None and "the station's log says so" in figures["notes"], figures
    assert "the database does not answer" in said and "dialling resumes" in said, said[-3000:]
    assert "Traceback" not in said, said[-3000:]


@pytest.mark.timeout(240)
def test_a_console_node_killed_mid_upload_leaves_no_half_list_and_the_list_sent_again_is_whole(cli_env: dict) -> None:
    figures, _said = _fault(cli_env, "console_killed_upload", 4)
    # What the script sees on another node: the import failed as interrupted, nothing kept, no file left on disk; the
    # list sent again is there whole, each number once; the station's calls went on.
    assert figures["half_written"] == 0 and figures["list_wrong"] == 0, figures
    assert "reports the import failed (interrupted" in figures["notes"], figures
    _nothing_lost(figures)
    assert figures["calls"] == 4, figures


@pytest.mark.postgres
@pytest.mark.timeout(240)
def test_a_console_node_killed_during_a_takeover_click_loses_no_call(cli_env: dict) -> None:
    """The agent's click on a node killed before it reached the station changes nothing; a click on a node killed
    as the station carried it out gets no answer, and the same click on another node says 202: the agent has it."""
    figures, _said = _fault(cli_env, "console_killed_takeover", 4)
    assert figures["takeover_lost"] == 0, figures
    assert "the call stayed up with the bot" in figures["notes"] and "202 bridging" in figures["notes"], figures
    _nothing_lost(figures)
    assert figures["calls"] == 4, figures


def test_bench_faults_refuses_a_fault_the_engine_does_not_have(cli_env: dict) -> None:
    """Asterisk has no SIP worker of ours to kill: said before anything is started."""
    result = run_cli("bench", "faults", "--engine", "asterisk", "--fault", "sip_worker_killed", env=cli_env)
    assert result.returncode == 2 and "sip_worker_killed: the pjsua2 engine's own; not on asterisk" in result.stderr
