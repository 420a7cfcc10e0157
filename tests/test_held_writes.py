"""What calls record while PostgreSQL is away is kept in memory and written once it answers, opt-outs first."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from asr.models import TranscriptSegment
from asr.transcripts import record_final, transcript_of
from console.app import create_app
from console.live import LiveFeed
from dialer.dnc import add_opt_out, is_blocked
from dialer.held_records import HeldRecord, HeldRecords, held_records_file, opt_out, wrap_up
from dialer.live_calls import LiveCall
from dialer.models import AgentState, CallAttempt, Disposition, DoNotCall
from intent.classifier import IntentModel
from intent.history import tier_history
from station.control import ClusterControl, carry_out
from station.postgres_sandbox import PostgresServer
from station.relay import Relay
from tests.helpers import add_account, api_token, policy_call, signed_in
from tierdial.config import parse_config
from tierdial.db import utcnow
from tierdial.errors import UserError
from tierdial.held_writes import HeldWrites
from tierdial.messages import Answered, CallEnded, FinalTranscript, PromptFinished
from tierdial.polling import poll_until
from tierdial.schema import migrated_database

pytestmark = pytest.mark.postgres
NUMBER = "+821012345678"


@pytest.fixture
def server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the test's own: the test stops and starts it."""
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


def test_writes_held_while_postgresql_restarts_reach_it_opt_outs_first(
    server: PostgresServer, caplog: pytest.LogCaptureFixture
) -> None:
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


def _opt_out_while_postgresql_is_away(tmp_path: Path, server: PostgresServer, intent_model: IntentModel):  # type: ignore[no-untyped-def]
    """A call whose callee says "never call again" while the database is down: the opt-out is held."""
    held = HeldRecords(held_records_file(tmp_path / "var", "node-1"))
    url = server.new_database("opt_out_held")
    flow, sessions, _, call_id = policy_call(tmp_path, intent_model, NUMBER, url=url, held_records=held)
    flow.on_event(Answered(call_id))
    flow.on_event(PromptFinished(call_id, "opening"))
    server.halt()
    flow.on_event(FinalTranscript(call_id, "다시는 전화하지 마세요", 2000, 4000))
    assert flow.records.held and held.path.exists() and NUMBER in held.path.read_text()
    assert held.path.stat().st_mode & 0o077 == 0  # full numbers: readable by the station's user alone
    return flow, sessions, held, call_id


def test_a_station_that_dies_while_postgresql_is_away_loses_nothing_its_calls_recorded(
    server: PostgresServer, tmp_path: Path, intent_model: IntentModel
) -> None:
    flow, sessions, held, call_id = _opt_out_while_postgresql_is_away(tmp_path, server, intent_model)
    flow.on_event(CallEnded(call_id, "answered", 200, "OK"))  # the callee hangs up
    # The station is killed here: what it held in memory is gone with it. The database comes back, and so does
    # the station, which writes what its earlier run kept on disk before it dials anyone.
    server.resume()
    poll_until(HeldWrites(sessions).answers, 30, "the database answering again")
    kept = held.path.read_bytes()
    assert HeldRecords(held.path).replay(sessions) == 4 and not held.path.exists()  # words, tier, opt-out, end

    def recorded() -> tuple[list[str], list[str], tuple[str | None, str | None]]:
        with sessions() as session:
            assert is_blocked(session, NUMBER)
            attempt = session.scalars(select(CallAttempt).where(CallAttempt.call_id == call_id)).one()
            return ([segment.text for segment in transcript_of(session, call_id)],
                    [decision.tier for decision in tier_history(session, call_id) if decision.is_final],
                    (attempt.outcome and attempt.outcome.value, attempt.final_tier))  # fmt: skip

    assert recorded() == (["다시는 전화하지 마세요"], ["E"], ("answered", "E"))
    # Killed again while it wrote them: the same file once more writes nothing twice.
    held.path.write_bytes(kept)
    HeldRecords(held.path).replay(sessions)
    assert recorded() == (["다시는 전화하지 마세요"], ["E"], ("answered", "E"))


def test_held_records_leave_the_disk_once_the_database_has_them(
    server: PostgresServer, tmp_path: Path, intent_model: IntentModel
) -> None:
    flow, sessions, held, _ = _opt_out_while_postgresql_is_away(tmp_path, server, intent_model)
    server.resume()
    poll_until(flow.records.answers, 30, "the held writes made")
    assert not held.path.exists()  # the database has it: no number is left on disk
    with sessions() as session:
        assert is_blocked(session, NUMBER)


def test_a_held_record_that_cannot_be_read_stops_the_station_from_starting(tmp_path: Path) -> None:
    held = HeldRecords(tmp_path / "node-1.jsonl")
    held.keep(opt_out(NUMBER, "opt-out during call", "call call-1", "call-1"))
    with held.path.open("a") as file:
        file.write('{"kind": "opt_out", "phone": "+8210')  # cut short by a crash mid-write
    with pytest.raises(UserError, match=r"node-1.jsonl, line 2: not a held record"):
        held.replay(migrated_database(f"sqlite:///{tmp_path / 'db.sqlite'}"))
    assert NUMBER in held.path.read_text()  # nothing was dropped


GONE = LiveCall("call-gone", "policy", 1, 1, "+821055556666", started=0.0, language="ko")  # deleted meanwhile


def test_a_held_record_the_database_refuses_is_set_aside_and_the_rest_are_written(tmp_path: Path) -> None:
    sessions = migrated_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    held = HeldRecords(tmp_path / "node-1.jsonl")
    held.keep(wrap_up(GONE, Disposition.sale, "", "agent1", None, utcnow()))
    held.keep(opt_out(NUMBER, "opt-out during call", "call call-1", "call-1"))
    assert held.replay(sessions) == 2 and not held.path.exists()
    with sessions() as session:
        assert is_blocked(session, NUMBER)
    [refused] = [json.loads(line) for line in held.rejected_file.read_text().splitlines()]
    assert (refused["what"], refused["refused"]) == ("the wrap-up of call call-gone", "no call call-gone")


def test_an_agents_do_not_call_holds_when_the_calls_record_is_gone(tmp_path: Path) -> None:
    sessions = migrated_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    held = HeldRecords(tmp_path / "node-1.jsonl")
    held.keep(wrap_up(GONE, Disposition.do_not_call, "", "agent1", None, utcnow()))
    assert held.replay(sessions) == 1 and not held.path.exists()
    with sessions() as session:
        assert is_blocked(session, GONE.phone)


def test_an_opt_out_the_database_refuses_stops_the_station_from_starting_and_stays_on_disk(tmp_path: Path) -> None:
    sessions = migrated_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    held = HeldRecords(tmp_path / "node-1.jsonl")
    # A record no write can take (here one without its number, as no version writes it): it is never dropped.
    held.keep(HeldRecord("opt_out", {"reason": "opt-out", "source": "call call-1"}, "the opt-out of call-1"))
    held.keep(opt_out(NUMBER, "opt-out during call", "call call-2", "call-2"))
    with pytest.raises(UserError, match=r"refuses the opt-out of call-1: .*dnc add"):
        held.replay(sessions)
    with sessions() as session:
        assert is_blocked(session, NUMBER)  # the one it could write is written
    [left] = held.path.read_text().splitlines()
    assert json.loads(left)["source"] == "call call-1"


def test_an_agent_who_pauses_while_postgresql_is_away_is_paused_and_it_is_recorded_when_it_answers(
    server: PostgresServer, tmp_path: Path, intent_model: IntentModel
) -> None:
    flow, sessions, engine, _ = policy_call(tmp_path, intent_model, NUMBER, url=server.new_database("agent_held"))
    flow.connect_agent("agent1", "sip:agent1@127.0.0.1")
    flow.on_event(Answered(engine.agent_legs[-1]))  # their phone is up: ready for calls
    server.halt()
    before = utcnow()
    status = flow.set_agent_state("agent1", ready=False, reason="coffee")  # the agent's page gets its answer
    assert (status.state, status.reason) == ("paused", "coffee") and flow.records.held == 1
    server.resume()
    poll_until(flow.records.answers, 30, "the held writes made")
    with sessions() as session:
        stored = session.scalars(select(AgentState).order_by(AgentState.id.desc())).first()
    # When the agent paused, not when the database came back: their occupancy is measured from it.
    assert (stored.state, stored.reason) == ("paused", "coffee") and stored.at - before < dt.timedelta(seconds=1)


def test_an_agents_do_not_call_while_postgresql_is_away_is_held_by_the_station_and_a_script_is_told_to_retry(
    server: PostgresServer, tmp_path: Path, intent_model: IntentModel
) -> None:
    held = HeldRecords(held_records_file(tmp_path / "var", "node-1"))
    flow, sessions, _, call_id = policy_call(
        tmp_path, intent_model, NUMBER, url=server.new_database("wrap_up_held"), held_records=held
    )
    add_account(sessions, "agent1", "agent")
    token = api_token(sessions, "campaigns:read")
    # Wired as a station on PostgreSQL wires its console: commands go to its own flow, or to the node holding a call.
    relay = Relay(sessions.kw["bind"], "node-1", flow.bus, partial(carry_out, flow)).start()
    control = ClusterControl(sessions, relay, flow)
    app = create_app(parse_config({"data_dir": str(tmp_path)}), LiveFeed(flow.bus, control), sessions)
    agent, csrf = signed_in(app, "agent1")
    flow.on_event(Answered(call_id))
    server.halt()
    reply = agent.post(f"/api/v1/calls/{call_id}/disposition", json={"disposition": "do_not_call", "notes": "asked"},
                       headers={"X-CSRFToken": csrf})  # fmt: skip
    assert reply.status_code == 202 and reply.json["held"], reply.json
    assert "database does not answer" in reply.json["message"] and "wrap_up_do_not_call" in held.path.read_text()
    # Whoever this node has not seen signed in, and every script, is told plainly to come back: nothing changed.
    script = app.test_client().get("/api/v1/campaigns", headers={"Authorization": f"Bearer {token}"})
    assert script.status_code == 503 and script.json["error"] == "database_unavailable", script.json
    assert int(script.headers["Retry-After"]) > 0
    server.resume()
    poll_until(flow.records.answers, 30, "the held writes made")
    assert not held.path.exists()
    with sessions() as session:
        assert is_blocked(session, NUMBER)
        assert session.scalar(select(CallAttempt.disposition).where(CallAttempt.call_id == call_id)) == "do_not_call"
        listed = session.scalar(select(DoNotCall).where(DoNotCall.phone_e164 == NUMBER))
        assert (listed.reason, listed.source) == ("marked do-not-call by an agent", f"agent1, call {call_id}")
    relay.stop()


def test_an_opt_out_heard_after_the_end_while_postgresql_is_away_stays_the_calls_final_tier(
    server: PostgresServer, tmp_path: Path, intent_model: IntentModel
) -> None:
    flow, sessions, _, call_id = policy_call(tmp_path, intent_model, NUMBER, url=server.new_database("late_held"))
    flow.on_event(Answered(call_id))
    flow.on_event(PromptFinished(call_id, "opening"))
    server.halt()
    flow.on_event(CallEnded(call_id, "answered", 200, "OK"))  # hung up while saying it
    flow.on_event(FinalTranscript(call_id, "다시는 전화하지 마세요", 2000, 4000))  # recognised a moment later
    # Held opt-outs are written first, so the end of the call reaches the database after this one.
    server.resume()
    poll_until(flow.records.answers, 30, "the held writes made")
    with sessions() as session:
        assert is_blocked(session, NUMBER)
        attempt = session.scalars(select(CallAttempt).where(CallAttempt.call_id == call_id)).one()
        assert (attempt.outcome.value, attempt.final_tier) == ("answered", "E")
