"""The disk under the SQLite database and the data folder fills up during a call (SQLite's "database or disk is
full"): what the call records is held in memory until there is room again and nothing is lost; the file of held
records, which the full disk refuses too, is never left with a line cut short (a station would not start on it)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from asr.transcripts import transcript_of
from dialer.dnc import is_blocked
from dialer.held_records import HeldRecords, held_records_file
from dialer.models import CallAttempt
from intent.classifier import IntentModel
from station.fault_disk import FullDisk
from tests.helpers import policy_call
from tierdial.messages import Answered, CallEnded, FinalTranscript, PromptFinished
from tierdial.polling import poll_until

pytestmark = pytest.mark.skipif(not FullDisk.possible(), reason="mounting a small filesystem needs root")
NUMBER = "+821012345678"


def test_a_disk_that_fills_up_mid_call_loses_nothing_the_call_recorded(
    tmp_path: Path, intent_model: IntentModel, caplog: pytest.LogCaptureFixture
) -> None:
    with FullDisk(tmp_path / "data", size_mb=16) as disk:
        held = HeldRecords(held_records_file(disk.path, "node-1"))
        flow, sessions, _, call_id = policy_call(disk.path, intent_model, NUMBER, held_records=held)
        flow.on_event(Answered(call_id))
        flow.on_event(PromptFinished(call_id, "opening"))
        disk.fill()
        with caplog.at_level(logging.INFO):
            flow.on_event(FinalTranscript(call_id, "다시는 전화하지 마세요", 2000, 4000))
            flow.on_event(CallEnded(call_id, "answered", 200, "OK"))
        said = "\n".join(record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR)
        assert "database or disk is full" in said and "cannot keep held records" in said, said
        assert flow.records.held >= 4 and not flow.records.answers()  # the words, the tier, the opt-out, the end
        assert not held.path.exists() or held.path.read_bytes() == b""  # refused whole, not cut short
        disk.free()
        poll_until(flow.records.answers, 30, "the held writes made once there is room")
        with sessions() as session:
            assert is_blocked(session, NUMBER)
            assert [segment.text for segment in transcript_of(session, call_id)] == ["다시는 전화하지 마세요"]
            attempt = session.scalars(select(CallAttempt).where(CallAttempt.call_id == call_id)).one()
            assert (attempt.outcome.value, attempt.final_tier) == ("answered", "E")
        sessions.kw["bind"].dispose()  # the filesystem goes with the test
