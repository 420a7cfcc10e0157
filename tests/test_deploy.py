"""The deployment files an operations engineer copies: they must stay valid as the product changes."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest

from station.command_line import build_parser
from tests.helpers import ROOT, run_cli

UNITS = sorted((ROOT / "deploy").glob("*.service"))


def test_the_production_config_example_is_valid_and_hides_its_password() -> None:
    result = run_cli("--config", str(ROOT / "deploy" / "config.production.yaml"), "config", "check")
    assert result.returncode == 0, result.stderr
    assert "postgresql+psycopg://tierdial:***@db.internal" in result.stdout and "CHANGE-ME@" not in result.stdout


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_each_systemd_unit_runs_a_real_command_and_drains_on_stop(unit: Path) -> None:
    parsed = configparser.ConfigParser(strict=False, interpolation=None)
    parsed.read_string(unit.read_text(encoding="utf-8"))
    service = parsed["Service"]
    commands = {}
    for key in ("ExecStart", "ExecStartPre"):
        if key in service:
            executable, *args = shlex.split(service[key])
            assert executable == "/opt/tierdial/.venv/bin/tierdial"
            commands[key] = build_parser().parse_args(args)  # exits (fails the test) on a command that does not exist
    assert service["KillSignal"] == "SIGTERM" and service["User"] == "tierdial"
    if commands["ExecStart"].command == "serve":
        # The station alone gets SIGTERM (its SIP workers would drop their calls), and time to drain.
        assert service["KillMode"] == "mixed" and int(service["TimeoutStopSec"]) > 120
