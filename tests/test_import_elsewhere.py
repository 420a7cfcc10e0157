"""Nodes on one PostgreSQL: an import loading on another host is reported running while its loader lives, and
failed (interrupted, nothing kept) once that loader is killed, though no process of this host can be looked up.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from sqlalchemy import func, select, text, update

from dialer.campaigns import create_campaign
from dialer.lists.importer import register_import
from dialer.lists.status import IMPORT_LOCKS, import_status
from dialer.models import CampaignStatus, Contact, ListImport
from tierdial.config import CampaignDefaults
from tierdial.polling import poll_until
from tierdial.schema import migrated_database

# A loader as `tierdial lists load` runs one, reading its list from stdin: it blocks mid-file until told to go on.
LOADER = """
import sys
from dialer.lists.importer import ListTerms, import_list
from dialer.lists.rows import RowReader
from tierdial.schema import migrated_database

terms = ListTerms(source="crm export", consent_basis="existing_customer", default_region="KR", name="big")
reader = RowReader(sys.stdin.buffer, "big.csv", "csv", block_bytes=64)
import_list(migrated_database(sys.argv[1]), "spring", reader, terms, job_id=int(sys.argv[2]))
"""


def _status(sessions, job_id: int) -> dict:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        return import_status(session, job_id)


def _ended(sessions, job_id: int) -> dict | None:  # type: ignore[no-untyped-def]
    status = _status(sessions, job_id)
    return None if status["status"] == "running" else status


def _loading(sessions, job_id: int) -> bool:  # type: ignore[no-untyped-def]
    """The loader's transaction has begun: it holds the import's advisory lock."""
    held = text(
        "select count(*) from pg_locks where locktype = 'advisory' and granted and classid = :space and objid = :job"
    )
    with sessions() as session:
        return bool(session.scalar(held, {"space": IMPORT_LOCKS, "job": job_id}))


def test_an_import_loading_on_another_host_is_running_until_its_loader_is_killed(postgres_server) -> None:  # type: ignore[no-untyped-def]
    url = postgres_server.new_database("imports_elsewhere")
    sessions = migrated_database(url)
    with sessions.begin() as session:
        create_campaign(session, "spring", CampaignDefaults(), status=CampaignStatus.running)
        job_id = register_import(session, "spring", "big.csv")
    loader = subprocess.Popen([sys.executable, "-c", LOADER, url, str(job_id)], stdin=subprocess.PIPE)
    assert loader.stdin is not None
    try:
        loader.stdin.write(b"phone,name\n" + b"".join(b"010-2000-%04d,Kim\n" % n for n in range(50)))
        loader.stdin.flush()
        poll_until(lambda: _loading(sessions, job_id) or loader.poll() is not None, 60, "the loader beginning")
        assert loader.poll() is None, "the loader ended before it loaded"
        # As a node elsewhere sees it: the loader's host is not this one, and it registered long ago.
        with sessions.begin() as session:
            session.execute(
                update(ListImport)
                .where(ListImport.id == job_id)
                .values(loader="another-host:4242:1", started_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
            )
        assert _status(sessions, job_id)["status"] == "running"
        assert _status(sessions, job_id)["status"] == "running"  # asking twice took nothing from the loader
        loader.kill()
        loader.wait(timeout=30)
    finally:
        loader.kill()
    status = poll_until(lambda: _ended(sessions, job_id), 30, "the import ending (the database sees the loader gone)")
    assert status["status"] == "failed" and status["error"].startswith("interrupted") and status["loaded"] == 0
    with sessions() as session:
        assert session.scalar(select(func.count(Contact.id))) == 0  # nothing of the half-read file was kept
