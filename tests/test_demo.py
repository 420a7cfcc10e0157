"""The README's run command: the demo on embedded defaults, from an empty folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.helpers import require_sandbox_tools, run_cli

pytestmark = pytest.mark.realtime


def test_offline_demo_runs_on_embedded_defaults(tmp_path: Path, model_file: Path) -> None:
    # No config file at all: everything comes from the built-in defaults, data under ./var.
    model_dir = tmp_path / "var" / "models"
    model_dir.mkdir(parents=True)
    (model_dir / "intent.skops").write_bytes(model_file.read_bytes())  # skip retraining, same bundled corpus
    result = run_cli("demo", "--offline", cwd=tmp_path, env={"TIERDIAL_CONFIG": ""})
    assert result.returncode == 0, result.stderr
    for lang in ("ko", "en", "zh"):
        assert f"  {lang}: n=" in result.stdout
    assert "recordings triaged to the expected tier" in result.stdout
    with sqlite3.connect(tmp_path / "var" / "tierdial.db") as db:
        assert db.execute("select count(*) from transcript_segments").fetchone()[0] == 6
        assert db.execute("select count(*) from tier_decisions").fetchone()[0] >= 6


@pytest.mark.parametrize("engine", ["pjsua2", "asterisk"])
def test_live_demo_dials_simulated_callees_over_sip(tmp_path: Path, model_file: Path, engine: str) -> None:
    model_dir = tmp_path / "var" / "models"
    model_dir.mkdir(parents=True)
    (model_dir / "intent.skops").write_bytes(model_file.read_bytes())
    env = {"TIERDIAL_CONFIG": ""}
    if engine == "asterisk":  # the same demo, on a sandbox Asterisk: two lines of config.yaml
        require_sandbox_tools()
        (tmp_path / "config.yaml").write_text("engine: asterisk\nasterisk:\n  sandbox: true\n")
        env = {"TIERDIAL_CONFIG": str(tmp_path / "config.yaml")}
    result = run_cli("demo", "--contacts", "4", "--start-delay", "0", cwd=tmp_path, env=env, timeout=400)
    assert result.returncode == 0, result.stderr[-3000:]
    assert ("starting a sandbox Asterisk" in result.stderr) == (engine == "asterisk")
    out = result.stdout
    assert "demo campaign: 4 simulated callees" in out
    assert "console: http://127.0.0.1:" in out and "click 'Take over'" in out and "log in as agent1 / " in out
    assert "tier A hot" in out and "tier E opt-out (opt-out rule)" in out, out
    assert "ended: answered" in out, out
    assert "4 calls:" in out and "do-not-call entries: 1" in out, out
    assert "+8210300000" not in out  # numbers are masked in the feed
    assert f"stored in sqlite:///{tmp_path / 'var' / 'demo.db'}" in out
    assert not (tmp_path / "var" / "tierdial.db").exists()  # the configured database is not the demo's
    if engine == "pjsua2":  # run again: last run's simulated opt-out does not stop this one
        again = run_cli("demo", "--contacts", "4", "--start-delay", "0", cwd=tmp_path, env=env, timeout=400)
        assert again.returncode == 0, again.stderr[-3000:]
        assert "4 calls:" in again.stdout and "do-not-call entries: 1" in again.stdout, again.stdout


def test_an_english_demo_hears_its_callees_in_english(tmp_path: Path, model_file: Path) -> None:
    """`--language en`: an English campaign whose callees' lines espeak-ng says; the station hears them in English."""
    model_dir = tmp_path / "var" / "models"
    model_dir.mkdir(parents=True)
    (model_dir / "intent.skops").write_bytes(model_file.read_bytes())
    env = {"TIERDIAL_CONFIG": ""}
    result = run_cli("demo", "--language", "en", "--contacts", "6", "--start-delay", "0", cwd=tmp_path, env=env,
                     timeout=400)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "saying the en callees' lines" in out and "demo campaign: 6 simulated callees" in out
    assert "tier E opt-out" in out and "tier A hot" in out, out
    assert "6 calls:" in out and "do-not-call entries: 1" in out, out
    with sqlite3.connect(tmp_path / "var" / "demo.db") as db:
        assert db.execute("select language from campaigns").fetchall() == [("en",)]
        said = " ".join(text for (text,) in db.execute("select text from transcript_segments"))
    assert "stop calling" in said.lower(), said  # heard as English
