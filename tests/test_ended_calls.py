"""The callee's last words, recognised after their call ended: an opt-out among them is honoured all the same.

(The same over real SIP on both engines: `test_live_call.py`, the callee who opts out and hangs up at once.)"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from dialer.dnc import is_blocked
from dialer.ended_calls import EndedCalls
from dialer.models import CallAttempt, Contact, ContactStatus
from intent.classifier import IntentModel
from intent.history import tier_history
from tests.helpers import policy_call
from tierdial.messages import Answered, CallEnded, FinalTranscript, PromptFinished

PHONE = "+821020001001"


def _ended_call(tmp_path: Path, intent_model: IntentModel):  # type: ignore[no-untyped-def]
    """A call answered, the bot's opening heard, then the callee hung up before their words were recognised."""
    flow, sessions, _, call_id = policy_call(tmp_path, intent_model, PHONE)
    flow.on_event(Answered(call_id))
    flow.on_event(PromptFinished(call_id, "opening"))
    flow.on_event(CallEnded(call_id, "answered", 200, "Normal call clearing"))
    return flow, sessions, call_id


def _attempt_and_contact(sessions, call_id: str) -> tuple[str | None, ContactStatus]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        attempt = s.scalars(select(CallAttempt).where(CallAttempt.call_id == call_id)).one()
        return attempt.final_tier, s.get(Contact, attempt.contact_id).status


def test_an_opt_out_heard_after_the_hang_up_lists_the_number_and_closes_the_contact(
    tmp_path: Path, intent_model: IntentModel
) -> None:
    flow, sessions, call_id = _ended_call(tmp_path, intent_model)
    with sessions() as s:
        assert not is_blocked(s, PHONE)
    flow.on_event(FinalTranscript(call_id, "다시는 전화하지 마세요", 14000, 16000))
    with sessions() as s:
        assert is_blocked(s, PHONE)
        assert [(d.tier, d.is_final) for d in tier_history(s, call_id)] == [("E", True)]
    assert _attempt_and_contact(sessions, call_id) == ("E", ContactStatus.closed)
    # The same words again (a second recogniser's reading) change nothing more.
    flow.on_event(FinalTranscript(call_id, "다시는 전화하지 마세요", 14000, 16000))
    assert _attempt_and_contact(sessions, call_id) == ("E", ContactStatus.closed)


def test_other_words_heard_late_are_kept_but_change_nothing(tmp_path: Path, intent_model: IntentModel) -> None:
    flow, sessions, call_id = _ended_call(tmp_path, intent_model)
    before = _attempt_and_contact(sessions, call_id)
    flow.on_event(FinalTranscript(call_id, "네 관심 있어요 자세히 알려 주세요", 14000, 16000))
    with sessions() as s:
        assert not is_blocked(s, PHONE)
        assert [d.tier for d in tier_history(s, call_id)] in (["A"], ["B"])  # in the tier history, for review
    assert _attempt_and_contact(sessions, call_id) == before  # the call's end was decided on what was heard on it


def test_an_ended_call_is_let_go_after_its_grace(tmp_path: Path, intent_model: IntentModel) -> None:
    """A station dials all day: what it keeps of each ended call is kept a while, not for good."""
    flow, _, call_id = _ended_call(tmp_path, intent_model)
    flow.on_event(FinalTranscript(call_id, "잠깐만요", 14000, 15000))
    assert flow.scorer.current(call_id) is not None
    forgotten: list[str] = []
    ended = EndedCalls(forgotten.append, grace_seconds=0.0)
    ended.add(flow.ended_calls.get(call_id))  # type: ignore[arg-type]
    assert ended.get(call_id) is None and forgotten == [call_id]
