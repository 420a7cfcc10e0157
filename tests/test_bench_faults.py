"""`tierdial bench faults` runs each fault end to end and finds nothing lost: a SIP worker killed, the clock stepped
across the calling window's edges, a console node killed during a list upload and during a takeover click."""

from __future__ import annotations

import json

import pytest

from tests.helpers import run_cli

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


@pytest.mark.timeout(180)
def test_a_clock_stepped_past_the_windows_end_stops_dialling_and_says_why(cli_env: dict) -> None:
    result = run_cli("bench", "faults", "--fault", "clock_step_forward", "--contacts", "6", "--json", env=cli_env)
    assert result.returncode == 0, result.stderr[-3000:]
    [figures] = [json.loads(line) for line in result.stdout.splitlines()]
    # The calls up at the step (up to 3 lines) go on to their end; nobody else is dialled.
    assert figures["dialled_outside_window"] == 0 and 2 <= figures["calls"] <= 3, figures
    assert "contacts not dialled (the window closed)" in figures["notes"], figures
    assert "calling window closed, no call placed until it opens" in result.stderr, result.stderr[-3000:]
    lost = ("lost_optouts", "lost_transcripts", "lost_outcomes", "double_dials")
    assert {name: figures[name] for name in lost} == dict.fromkeys(lost, 0), figures


@pytest.mark.timeout(180)
def test_a_clock_stepped_back_before_the_windows_start_dials_nobody_early(cli_env: dict) -> None:
    result = run_cli("bench", "faults", "--fault", "clock_step_back", "--contacts", "4", "--json", env=cli_env)
    assert result.returncode == 0, result.stderr[-3000:]
    [figures] = [json.loads(line) for line in result.stdout.splitlines()]
    assert figures["dialled_outside_window"] == 0 and figures["calls"] == 4, figures
    # The window opens again 20 s after the step, by the clock's own motion, and the campaign goes on by itself.
    assert figures["recovered_s"] is not None and figures["recovered_s"] >= 20, figures
    assert "calling window open again: dialling resumes" in result.stderr, result.stderr[-3000:]
    lost = ("lost_optouts", "lost_transcripts", "lost_outcomes", "double_dials")
    assert {name: figures[name] for name in lost} == dict.fromkeys(lost, 0), figures


@pytest.mark.timeout(240)
def test_a_console_node_killed_mid_upload_leaves_no_half_list_and_the_list_sent_again_is_whole(cli_env: dict) -> None:
    result = run_cli("bench", "faults", "--fault", "console_killed_upload", "--contacts", "4", "--json", env=cli_env)
    assert result.returncode == 0, result.stderr[-3000:]
    [figures] = [json.loads(line) for line in result.stdout.splitlines()]
    # What the script sees on another node: the import failed as interrupted, nothing kept, no file left on disk; the
    # list sent again is there whole, each number once; the station's calls went on.
    assert figures["half_written"] == 0 and figures["list_wrong"] == 0, figures
    assert "reports the import failed (interrupted" in figures["notes"], figures
    lost = ("lost_optouts", "lost_transcripts", "lost_outcomes", "double_dials")
    assert {name: figures[name] for name in lost} == dict.fromkeys(lost, 0) and figures["calls"] == 4, figures


@pytest.mark.postgres
@pytest.mark.timeout(240)
def test_a_console_node_killed_during_a_takeover_click_loses_no_call(cli_env: dict) -> None:
    """The agent's click on a node killed before it reached the station changes nothing; a click on a node killed
    as the station carried it out gets no answer, and the same click on another node says 202: the agent has it."""
    result = run_cli("bench", "faults", "--fault", "console_killed_takeover", "--contacts", "4", "--json", env=cli_env)
    assert result.returncode == 0, result.stderr[-3000:]
    [figures] = [json.loads(line) for line in result.stdout.splitlines()]
    assert figures["takeover_lost"] == 0, figures
    assert "the call stayed up with the bot" in figures["notes"] and "202 bridging" in figures["notes"], figures
    lost = ("lost_optouts", "lost_transcripts", "lost_outcomes", "double_dials")
    assert {name: figures[name] for name in lost} == dict.fromkeys(lost, 0) and figures["calls"] == 4, figures
