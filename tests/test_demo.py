"""The README's run command: the demo on embedded defaults, from an empty folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.helpers import run_cli


def test_demo_runs_on_embedded_defaults(tmp_path: Path, model_file: Path) -> None:
    # No config file at all: everything comes from the built-in defaults, data under ./var.
    model_dir = tmp_path / "var" / "models"
    model_dir.mkdir(parents=True)
    (model_dir / "intent.skops").write_bytes(model_file.read_bytes())  # skip retraining, same bundled corpus
    result = run_cli("demo", cwd=tmp_path, env={"TIERDIAL_CONFIG": ""})
    assert result.returncode == 0, result.stderr
    for lang in ("ko", "en", "zh"):
        assert f"  {lang}: n=" in result.stdout
    assert "recordings triaged to the expected tier" in result.stdout
    with sqlite3.connect(tmp_path / "var" / "tierdial.db") as db:
        assert db.execute("select count(*) from transcript_segments").fetchone()[0] == 6
        assert db.execute("select count(*) from tier_decisions").fetchone()[0] >= 6
