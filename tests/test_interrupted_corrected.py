"""A call another station closed as interrupted, taking its station for dead while it was only cut off from the
database, gets its true end once that station writes it: how the callee answered, their tier, and when the contact
is due, the attempt counted once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dialer import held_records as held
from dialer.campaign_stats import campaign_stats
from dialer.held_records import HeldRecords
from dialer.interrupted import close_interrupted
from dialer.models import CallAttempt, CallOutcome, Contact, ContactStatus
from intent.classifier import IntentModel
from tests.helpers import policy_call
from tierdial.config import RetryHours
from tierdial.db import utcnow
from tierdial.messages import Answered, CallEnded, FinalTranscript, PromptFinished

NUMBER = "+821012345678"
LATER = "지금은 좀 바빠서요 나중에 다시 전화 주세요"  # C: the retry rules decide when


def _later_call(tmp_path: Path, intent_model: IntentModel):  # type: ignore[no-untyped-def]
    flow, sessions, _, call_id = policy_call(tmp_path, intent_model, NUMBER)
    flow.on_event(Answered(call_id))
    flow.on_event(PromptFinished(call_id, "opening"))
    flow.on_event(FinalTranscript(call_id, LATER, 2000, 4500))
    assert flow.calls[call_id].final_tier == "C"
    return flow, sessions, call_id


def _closed_by_another_station(sessions: sessionmaker[Session], call_id: str) -> None:
    with sessions.begin() as session:
        assert close_interrupted(session, call_id, "station node-1 stopped answering", RetryHours(), utcnow())


def _recorded(sessions: sessionmaker[Session], call_id: str) -> tuple[object, ...]:
    with sessions() as session:
        attempt = session.scalars(select(CallAttempt).where(CallAttempt.call_id == call_id)).one()
        contact = session.get(Contact, attempt.contact_id)
        [campaign] = campaign_stats(session, utcnow())["campaigns"]
        abandoned = campaign["today"]["abandoned"]
        return attempt.outcome, attempt.final_tier, contact.status, contact.attempts, abandoned


def test_the_true_end_is_written_over_interrupted_and_the_attempt_counted_once(
    tmp_path: Path, intent_model: IntentModel
) -> None:
    flow, sessions, call_id = _later_call(tmp_path, intent_model)
    _closed_by_another_station(sessions, call_id)
    # Closed as if nobody had heard who called: an abandon, against the campaign's cap.
    assert _recorded(sessions, call_id) == (CallOutcome.interrupted, "C", ContactStatus.scheduled, 1, 1)
    flow.on_event(CallEnded(call_id, "answered", 200, "OK"))
    assert _recorded(sessions, call_id) == (CallOutcome.answered, "C", ContactStatus.scheduled, 1, 0)


def test_a_true_end_kept_on_disk_is_written_over_interrupted_and_only_once(
    tmp_path: Path, intent_model: IntentModel
) -> None:
    flow, sessions, call_id = _later_call(tmp_path, intent_model)
    call = flow.calls[call_id]
    end = held.end(call, "answered", "C", "200 OK", flow.station_id, flow.config.campaign_defaults, utcnow())
    kept = HeldRecords(tmp_path / "held" / "node-1.jsonl")
    kept.keep(end)  # the station is killed before it can write it
    _closed_by_another_station(sessions, call_id)
    lines = kept.path.read_bytes()
    assert kept.replay(sessions) == 1
    assert _recorded(sessions, call_id) == (CallOutcome.answered, "C", ContactStatus.scheduled, 1, 0)
    kept.path.write_bytes(lines)  # killed again while writing them: nothing is counted twice
    kept.replay(sessions)
    assert _recorded(sessions, call_id) == (CallOutcome.answered, "C", ContactStatus.scheduled, 1, 0)


def test_a_contact_dialled_again_since_is_left_to_its_new_attempt(tmp_path: Path, intent_model: IntentModel) -> None:
    flow, sessions, call_id = _later_call(tmp_path, intent_model)
    _closed_by_another_station(sessions, call_id)
    with sessions.begin() as session:
        contact = session.scalars(select(Contact)).one()
        contact.claimed_by = "node-2"  # the station that took over the campaign is dialling it
        due = contact.next_attempt_at
    flow.on_event(CallEnded(call_id, "answered", 200, "OK"))
    assert _recorded(sessions, call_id)[:2] == (CallOutcome.answered, "C")  # the record is put right
    with sessions() as session:
        contact = session.scalars(select(Contact)).one()
        assert (contact.claimed_by, contact.next_attempt_at, contact.attempts) == ("node-2", due, 1)
