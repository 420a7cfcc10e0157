"""Files holding secrets or people's data are their owner's alone (0600, folders 0700), whatever the umask."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from console import list_uploads
from console.app import create_app
from tests.helpers import api_token, migrated_sessions, seed_campaign
from tierdial.config import parse_config
from tierdial.db import make_engine
from tierdial.private_files import private_open


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture(autouse=True)
def _open_umask():  # type: ignore[no-untyped-def]
    """The loosest common umask: nothing here may rely on a careful one."""
    before = os.umask(0o002)
    yield
    os.umask(before)


def test_the_sqlite_database_and_its_wal_and_shm_files(tmp_path: Path) -> None:
    path = tmp_path / "data" / "tierdial.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:  # WAL: the -wal and -shm files exist while a connection is open
        connection.execute(text("create table t (x integer)"))
        connection.execute(text("insert into t values (1)"))
        files = {
            name: _mode(tmp_path / "data" / name) for name in ("tierdial.db", "tierdial.db-wal", "tierdial.db-shm")
        }
    engine.dispose()
    assert files == dict.fromkeys(files, 0o600) and _mode(path.parent) == 0o700
    # A database left readable by an older version is narrowed when opened.
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o600


def test_the_console_key_and_uploaded_lists(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(tmp_path / "console.db")
    seed_campaign(sessions, "spring", [])
    data = tmp_path / "var"
    app = create_app(parse_config({"data_dir": str(data)}), sessions=sessions)
    assert _mode(data / "console-secret.key") == 0o600 and _mode(data) == 0o700
    seen: list[tuple[int, int]] = []
    load = list_uploads._load

    def watched(factory, upload, progress=None):  # type: ignore[no-untyped-def]
        seen.append((_mode(upload.path), _mode(upload.path.parent)))
        return load(factory, upload, progress)

    monkeypatch.setattr(list_uploads, "_load", watched)
    form = {"file": (io.BytesIO(b"phone,name\n010-1234-5678,Kim\n"), "leads.csv"), "source": "crm",
            "consent_basis": "existing_customer"}  # fmt: skip
    headers = {"Authorization": f"Bearer {api_token(sessions, 'lists:write')}"}
    assert app.test_client().post("/api/v1/campaigns/spring/lists", data=form, headers=headers).status_code == 201
    assert seen == [(0o600, 0o700)]  # names and numbers, on disk while they load


def test_an_existing_file_is_narrowed_before_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text("old")
    path.chmod(0o644)
    with private_open(path, "w", encoding="utf-8") as out:
        assert _mode(path) == 0o600
        out.write("new")
    assert path.read_text() == "new"
