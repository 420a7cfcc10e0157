"""Migrations create every domain's tables, on SQLite (WAL) and on a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from asr.transcripts import record_final, transcript_of
from dialer.campaign_stats import campaign_stats
from dialer.models import CallAttempt, CallList, Campaign, Contact, DoNotCall
from intent.history import record_decision, tier_history
from number_pool.models import CallerNumber
from tierdial import audit
from tierdial.db import make_engine, make_sessions
from tierdial.messages import FinalTranscript, TierDecided
from tierdial.schema import downgrade, upgrade

TABLES = {
    "campaigns",
    "call_lists",
    "contacts",
    "call_attempts",
    "do_not_call",
    "caller_numbers",
    "agents",
    "transcript_segments",
    "tier_decisions",
    "audit_log",
    "kpi_targets",
    "webhooks",
    "webhook_deliveries",
}


def _exercise(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        campaign = Campaign(name="spring", abandon_cap=0.03, window_start=dt.time(9), window_end=dt.time(20))
        call_list = CallList(
            campaign=campaign, name="leads.csv", source="web form", consent_basis="consent", default_region="KR"
        )
        s.add_all([campaign, call_list])
        s.flush()
        contact = Contact(
            campaign_id=campaign.id,
            list_id=call_list.id,
            phone_e164="+821012345678",
            name="김민지",
            timezone="Asia/Seoul",
        )
        s.add(contact)
        s.flush()
        began = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
        s.add(
            CallAttempt(call_id="c-1", campaign_id=campaign.id, contact_id=contact.id, caller_number="+82234567890",
                        started_at=began, answered_at=began + dt.timedelta(seconds=10),
                        ended_at=began + dt.timedelta(seconds=70), outcome="answered", final_tier="E")
        )  # fmt: skip
        s.add(DoNotCall(phone_e164="+821099998888", scope="internal", reason="opt-out", source="call c-1"))
        s.add(CallerNumber(e164="+82234567890", trunk="demo", region="KR", verified_owned=True))
        record_final(s, FinalTranscript("c-1", "다시는 전화하지 마세요", 120, 1800))
        record_decision(s, TierDecided("c-1", "E", 0.99, ("전화하지마",), "다시는 전화하지 마세요", True, True), "v1")
        audit.record(s, "system", "opt_out", "contact", str(contact.id), call_id="c-1")
    with sessions() as s:
        assert [seg.text for seg in transcript_of(s, "c-1")] == ["다시는 전화하지 마세요"]
        decision = tier_history(s, "c-1")[0]
        assert (decision.tier, decision.evidence, decision.by_rule) == ("E", ["전화하지마"], True)
        assert s.get(Contact, contact.id).name == "김민지"
        # The dashboard's figures are one query on either database.
        spring = campaign_stats(s, dt.datetime.now(dt.UTC))["campaigns"][0]
        assert spring["today"]["live_answers"] == 1 and spring["today"]["talk_seconds"] == pytest.approx(60, abs=0.5)
    downgrade(engine, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    engine.dispose()


def test_sqlite_in_wal_mode(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'tierdial.db'}"
    _exercise(url)
    with make_engine(url).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


@pytest.mark.postgres
def test_postgresql(postgres_url: str) -> None:
    _exercise(postgres_url)


def test_cli_db_upgrade(cli_env: dict, tmp_path: Path) -> None:
    from tests.helpers import run_cli

    result = run_cli("db", "upgrade", env=cli_env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "tierdial.db").exists()


def test_migrations_match_the_models(tmp_path: Path) -> None:
    """A model change without its migration is caught here, not in production."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from tierdial.db import Base
    from tierdial.schema import import_all_tables

    import_all_tables()
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
