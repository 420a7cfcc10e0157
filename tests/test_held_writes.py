"""What calls record while PostgreSQL is away is kept in memory and written once it answers, opt-outs first."""

from __future__ import annotations

import logging
from functools import partial

import pytest
from sqlalchemy import select

from asr.models import TranscriptSegment
from asr.transcripts import record_final
from dialer.dnc import add_opt_out, is_blocked
from dialer.models import DoNotCall
from station.postgres_sandbox import PostgresServer
from tierdial.held_writes import HeldWrites
from tierdial.messages import FinalTranscript
from tierdial.polling import poll_until
from tierdial.schema import migrated_database

pytestmark = pytest.mark.postgres
NUMBER = "+821012345678"


def test_writes_held_while_postgresql_restarts_reach_it_opt_outs_first(caplog: pytest.LogCaptureFixture) -> None:
    server = PostgresServer()  # its own: this test stops it
    server.start()
    try:
        sessions = migrated_database(server.new_database("held"))
        records = HeldWrites(sessions)
        assert records.answers()
        server.halt()
        heard = FinalTranscript("call-1", "그만 전화하세요", 0, 900)
        with caplog.at_level(logging.INFO, logger="tierdial.held_writes"):
            assert not records.write("a transcript", lambda session: record_final(session, heard))
            opt_out = partial(add_opt_out, phone_e164=NUMBER, reason="opt-out during call", source="call call-1")
            assert not records.write("an opt-out", opt_out, first=True)
            assert records.held == 2 and records.away and not records.answers()  # no call may be placed
            server.resume()
            poll_until(records.answers, 30, "the held writes made")
        said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(said) == 2 and "the database does not answer" in said[0], said
        assert "2 records kept in memory written; dialling resumes" in said[1], said
        with sessions() as session:
            assert is_blocked(session, NUMBER)
            listed = session.scalar(select(DoNotCall.created_at).where(DoNotCall.phone_e164 == NUMBER))
            stored = session.scalar(select(TranscriptSegment.created_at).where(TranscriptSegment.call_id == "call-1"))
        assert listed <= stored  # held after the transcript, written before it
        assert records.held == 0 and records.write("another transcript", lambda session: record_final(session, heard))
    finally:
        server.stop()
