"""Asking before a doubtful opt-out: the decision to ask, the answers, the call policy, and live calls on both
engines where the callee answers the bot's question."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from asr.transcripts import transcript_of
from dialer.call_flow import CallFlow
from dialer.dnc import is_blocked
from dialer.hopper import next_callable
from dialer.models import CallAttempt, Campaign, Contact
from dialer.optout_check import PROMPT, RULE, Answer, OptOutCheck, question, read_answer, should_ask
from dialer.runner import CampaignRunner
from dialer.script import prompt_wav
from dialer.telephony.registry import make_engine as make_telephony
from intent.classifier import IntentModel
from intent.history import tier_history
from tests.helpers import (
    NOON_IN_SEOUL,
    SPEECH,
    dialling_config,
    heard_pcm,
    pieces_heard,
    policy_call,
    seed_campaign,
)
from tierdial.bus import EventBus
from tierdial.db import make_engine, make_sessions
from tierdial.messages import Answered, CallEnded, FinalTranscript, PromptFinished, TierDecided
from tierdial.schema import upgrade

pytestmark = pytest.mark.realtime

DIALOGUE = SPEECH / "dialogue"


# the decision to ask -------------------------------------------------------------------------------------------
def test_asked_when_opt_out_is_first_or_second_and_likely_enough() -> None:
    assert should_ask({"A": 0.5, "E": 0.3, "C": 0.2})
    assert should_ask({"E": 0.45, "C": 0.3, "A": 0.25})  # first, yet not surely enough for the model to say E
    assert not should_ask({"A": 0.5, "C": 0.3, "E": 0.2})  # third
    assert not should_ask({"A": 0.9, "E": 0.1})  # second, but unlikely
    assert not should_ask({})  # nothing said


@pytest.mark.parametrize(
    ("language", "text", "answer"),
    [
        ("ko", "네 맞아요 그렇게 해 주세요", Answer.yes),
        ("ko", "예", Answer.yes),
        ("ko", "그렇게 해주세요", Answer.yes),
        ("ko", "아니요 그건 아니에요", Answer.no),
        ("ko", "한 건 아니 에 요", Answer.no),  # 아니요 as the recogniser hears it
        ("ko", "괜찮습니다", Answer.no),
        ("ko", "뭐라고요", Answer.unclear),
        ("ko", "어 네 맞아요", Answer.yes),  # a hesitation is not an answer
        ("ko", "음 아니요", Answer.no),
        ("ko", "아니 매일 전화 오는데 힘들어요", Answer.unclear),  # 아니 opening a complaint is no "no"
        ("en", "um no", Answer.no),
        ("en", "Yes please", Answer.yes),
        ("en", "no thanks, I was just busy", Answer.no),
        ("en", "what is this about", Answer.unclear),
        ("zh", "是的", Answer.yes),
        ("zh", "不用 没关系", Answer.no),
        ("zh", "你说什么", Answer.unclear),
        ("zh", "嗯 不用", Answer.no),
        ("en", "Yes", Answer.yes),
        ("en", "yeah please do", Answer.yes),
        ("en", "uh sure go ahead", Answer.yes),
        ("en", "I do", Answer.yes),
        ("en", "that's right", Answer.yes),
        ("en", "please take me off your list", Answer.yes),
        ("en", "just stop calling me", Answer.yes),
        ("en", "No", Answer.no),
        ("en", "nope", Answer.no),
        ("en", "well no thanks I was just busy", Answer.no),
        ("en", "not really", Answer.no),
        ("en", "don't stop calling", Answer.no),
        ("en", "I do not want that", Answer.unclear),  # not a yes though it opens with "I do"
        ("en", "right now I'm driving", Answer.unclear),
        ("en", "no problem", Answer.unclear),
        ("en", "I'm not sure", Answer.unclear),
        ("en", "how did you get my number", Answer.unclear),
        ("zh", "是的", Answer.yes),
        ("zh", "嗯 对", Answer.yes),
        ("zh", "好的 谢谢", Answer.yes),
        ("zh", "没错", Answer.yes),
        ("zh", "别打了", Answer.yes),  # the question asks whether to stop: a negation of calling is a yes
        ("zh", "不要再打了", Answer.yes),
        ("zh", "对 以后不要再给我打电话了", Answer.yes),
        ("zh", "我不想再接到你们的电话", Answer.yes),
        ("zh", "不用", Answer.no),
        ("zh", "不是", Answer.no),
        ("zh", "那个 不需要", Answer.no),
        ("zh", "没有 你们可以继续打", Answer.no),
        ("zh", "你们是哪里", Answer.unclear),
        ("zh", "没关系", Answer.unclear),
    ],
)
def test_yes_and_no_are_read_in_the_language_asked(language: str, text: str, answer: Answer) -> None:
    assert read_answer(text, language) is answer


def test_the_question_is_ready_in_each_language_and_recorded_for_the_bot() -> None:
    for language in ("ko", "zh", "en"):
        prompts = json.loads((prompt_wav(PROMPT, language).parent / "prompts.json").read_text(encoding="utf-8"))
        assert prompts[PROMPT] == question(language) and prompt_wav(PROMPT, language).is_file()


def _decided(tier: str, text: str, by_rule: bool = False) -> TierDecided:
    return TierDecided("c1", tier, 0.5, ("evidence",), text, True, by_rule)


DOUBTFUL = {"C": 0.3, "E": 0.35, "A": 0.2, "B": 0.15}
CLEAR = {"C": 0.8, "E": 0.1, "A": 0.1}


def test_a_yes_to_the_question_is_an_opt_out_and_it_is_asked_once() -> None:
    check = OptOutCheck("ko")
    asked, ask = check.review(_decided("C", "매일 전화 오는데"), lambda text: DOUBTFUL)
    assert ask and asked.tier == "C" and not asked.is_final and RULE in asked.evidence[0]
    answer, ask = check.review(_decided("A", "네 맞아요"), lambda text: CLEAR)
    assert not ask and (answer.tier, answer.is_final, answer.by_rule) == ("E", True, True)
    assert f"{RULE}: asked" in answer.evidence[0] and "answered yes" in answer.evidence[0]
    assert check.review(_decided("C", "매일 전화 오는데"), lambda text: DOUBTFUL) == (
        _decided("C", "매일 전화 오는데"),
        False,
    )


def test_a_no_goes_on_with_the_tier_held_and_anything_else_is_answered_as_said() -> None:
    check = OptOutCheck("ko")
    held = _decided("C", "내일 오후 세 시에 다시 주세요 자꾸 전화 오네")
    check.review(held, lambda text: DOUBTFUL)
    answer, _ = check.review(_decided("D", "아니요"), lambda text: CLEAR)
    assert (answer.tier, answer.text, answer.is_final) == ("C", held.text, True)  # the time asked for still counts
    assert "answered no: '아니요'" in answer.evidence[0]

    check = OptOutCheck("ko")
    check.review(held, lambda text: DOUBTFUL)
    answer, _ = check.review(_decided("A", "가격이 얼마예요"), lambda text: CLEAR)
    assert (answer.tier, answer.text) == ("A", "가격이 얼마예요") and "answered unclear" in answer.evidence[0]


def test_the_complaint_again_or_a_threat_is_an_opt_out_and_a_clear_no_is_not() -> None:
    for said, probabilities in ((_decided("D", "왜 자꾸 전화해요"), DOUBTFUL), (_decided("E", "신고할 거예요"), CLEAR)):
        check = OptOutCheck("ko")
        check.review(_decided("C", "매일 전화 오는데"), lambda text: DOUBTFUL)
        assert check.review(said, lambda text, p=probabilities: p)[0].tier == "E"
    check = OptOutCheck("ko")
    check.review(_decided("C", "매일 전화 오는데"), lambda text: DOUBTFUL)
    assert check.review(_decided("D", "아니요 그건 아니에요"), lambda text: DOUBTFUL)[0].tier == "C"


def test_asked_when_the_other_recogniser_read_an_opt_out_the_final_text_does_not_hold() -> None:
    check = OptOutCheck("ko")
    doubted = replace(_decided("C", "지금 좀 바빠서요"), opt_out_read_otherwise=True)
    asked, ask = check.review(doubted, lambda text: CLEAR)
    assert ask and not asked.is_final and "the other recogniser's reading" in asked.evidence[0]
    answer, _ = check.review(_decided("A", "네 맞아요"), lambda text: CLEAR)
    assert answer.tier == "E"


def test_not_asked_when_the_rules_or_a_sure_model_have_decided() -> None:
    for decided in (_decided("E", "전화하지 마세요", by_rule=True), _decided("F", "잘못 거셨어요", by_rule=True)):
        assert OptOutCheck("ko").review(decided, lambda text: DOUBTFUL) == (decided, False)
    assert OptOutCheck("ko").review(_decided("A", "네 신청할게요"), lambda text: CLEAR)[1] is False


# the call policy ----------------------------------------------------------------------------------------------
# A hesitant refusal: the model reads an opt-out in it, but not surely, and no rule decides it. (A complaint about
# repeated calls, "매일 전화 오는데 정말 힘들어요", is an opt-out by rule: decided at once, nothing asked.) As the
# recogniser hears it ("이제는 안 해도 될 것 같은데요", "I don't think you need to any more", spoken), which is what
# the call flow is given.
HESITANT = "이 제 는 안 했어 될것 같은데요"


def _call(tmp_path: Path, intent_model: IntentModel, *answers: str):  # type: ignore[no-untyped-def]
    """A call through the policy alone: the callee says a hesitant refusal the model doubts, then `answers` after
    the question. Returns the sessions, the engine's record, the call id and the phone."""
    phone = "+821020001001"
    flow, sessions, engine, call_id = policy_call(tmp_path, intent_model, phone)
    flow.on_event(Answered(call_id))
    flow.on_event(PromptFinished(call_id, "opening"))
    flow.on_event(FinalTranscript(call_id, HESITANT, 0, 2000))
    for answer in answers:
        flow.on_event(PromptFinished(call_id, engine.played[-1]))
        flow.on_event(FinalTranscript(call_id, answer, 3000, 4000))
    return flow, sessions, engine, call_id, phone


def test_the_bot_asks_and_a_yes_lists_the_number_before_the_goodbye(tmp_path: Path, intent_model: IntentModel) -> None:
    flow, sessions, engine, call_id, phone = _call(tmp_path, intent_model, "네 맞아요 그렇게 해 주세요")
    assert engine.played == ["opening", PROMPT, "opt_out"] and not engine.hung_up
    with sessions() as s:
        assert is_blocked(s, phone)  # before the goodbye has even finished
        history = [(d.tier, d.is_final, d.evidence[0] if d.evidence else "") for d in tier_history(s, call_id)]
    assert [(tier, final) for tier, final, _ in history] == [("D", False), ("E", True)], history
    assert "asked" in history[0][2] and "answered yes" in history[1][2] and RULE in history[1][2]
    flow.on_event(PromptFinished(call_id, "opt_out"))
    assert engine.hung_up == [call_id]


def test_a_no_goes_on_as_before_and_the_question_is_not_asked_again(tmp_path: Path, intent_model: IntentModel) -> None:
    flow, sessions, engine, call_id, phone = _call(tmp_path, intent_model, "아니요 그건 아니에요")
    assert engine.played == ["opening", PROMPT, "goodbye"]  # tier D, as the refusal was read
    with sessions() as s:
        assert not is_blocked(s, phone)
        assert [d.tier for d in tier_history(s, call_id)] == ["D", "D"]
    assert flow.calls[call_id].final_tier == "D"


# live calls ---------------------------------------------------------------------------------------------------
YES, THREAT, NO = "+821020003001", "+821020003002", "+821020003003"
# What each callee says, in turn: a recording in intent/data/speech/dialogue and its words. Each opens with the
# hesitant refusal, "이제 그만해도 될 것 같은데요", which the recogniser hears as "이 제 그 만 했어도 할것 같은데"
# (scripts/dialogue_ask_check.py; chosen on these calls).
LIVE_HESITANT = "이제 그만해도 될 것 같은데요"
SAYS = {
    YES: [("ko_no_need_any_more", LIVE_HESITANT), ("ko_yes_do_that", "네 맞아요 그렇게 해 주세요")],
    # the threat as the answer is an opt-out
    THREAT: [("ko_no_need_any_more", LIVE_HESITANT), ("ko_threat_to_report", "한 번만 더 전화하면 신고할 거예요")],
    # a no: the call goes on as the refusal was read
    NO: [("ko_no_need_any_more", LIVE_HESITANT), ("ko_no_not_that", "아니요 그건 아니에요")],
}
SCENARIO = {
    "numbers": {
        phone: {"say": [{"wav": str(DIALOGUE / f"{name}.wav")} for name, _ in lines]} for phone, lines in SAYS.items()
    }
}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("engine", ["pjsua2", "asterisk"])
def test_callees_answer_the_question_on_a_live_call(  # type: ignore[no-untyped-def]
    tmp_path: Path, start_service, asr_service, intent_model: IntentModel, engine: str, request
) -> None:
    settings: dict[str, object] = {"engine": engine}
    if engine == "asterisk":
        ami = request.getfixturevalue("asterisk")[1]
        settings["asterisk"] = {"ami_port": ami.port, "ami_username": ami.username, "ami_secret": ami.secret}
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(json.dumps(SCENARIO), encoding="utf-8")
    (_, trunk_port), stop_sim = start_service(
        "sim", "callees", "--scenario", str(scenario), "--record-dir", str(tmp_path / "heard"),
        ready="callee simulator listening on",
    )  # fmt: skip
    config = dialling_config(trunk_port, campaign_defaults={"ring_timeout_seconds": 15}, data_dir=str(tmp_path / "var"),
                             **settings)  # fmt: skip
    database = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    upgrade(database)
    sessions = make_sessions(database)
    campaign_id = seed_campaign(sessions, "confirm", [YES, THREAT, NO])
    bus = EventBus()
    listed_when_ended: dict[str, bool] = {}

    def on_end(message: CallEnded) -> None:
        with sessions() as s:
            attempt = s.scalars(select(CallAttempt).where(CallAttempt.call_id == message.call_id)).one()
            phone = s.get(Contact, attempt.contact_id).phone_e164
            listed_when_ended[phone] = is_blocked(s, phone)

    bus.subscribe(on_end, CallEnded)
    flow = CallFlow(config, sessions, intent_model, bus, clock=lambda: NOON_IN_SEOUL)
    telephony = make_telephony(config, flow.on_event, asr_service)
    flow.engine = telephony
    telephony.start()
    try:
        runner = CampaignRunner(config, sessions, flow, campaign_id, lines=3, clock=lambda: NOON_IN_SEOUL)
        runner.run(max_seconds=150)
    finally:
        telephony.stop()
    heard = {entry["number"]: entry for entry in map(json.loads, stop_sim().splitlines()) if "number" in entry}

    with sessions() as s:
        attempts = {s.get(Contact, a.contact_id).phone_e164: a for a in s.scalars(select(CallAttempt))}
        history = {
            phone: [(d.tier, d.is_final, " ".join(d.evidence), d.source_text) for d in tier_history(s, a.call_id)]
            for phone, a in attempts.items()
        }
        heard_as = {phone: [t.text for t in transcript_of(s, a.call_id) if t.speaker == "callee"]
                    for phone, a in attempts.items()}  # fmt: skip
        later = next_callable(s, s.get(Campaign, campaign_id), now=NOON_IN_SEOUL + dt.timedelta(days=3), limit=10)
        callable_later = {c.phone_e164 for c in later}
        listed_now = {phone: is_blocked(s, phone) for phone in (YES, THREAT, NO)}
    summary = {phone: (str(a.outcome), a.final_tier, history[phone]) for phone, a in attempts.items()}
    assert set(attempts) == {YES, THREAT, NO}, summary

    def told(phone: str) -> str:
        """Which line was heard how, and what the call made of it."""
        said = [text for _, text in SAYS[phone]]
        return f"{phone} said {said}, heard as {heard_as[phone]}; outcome {summary[phone][:2]}, tiers {history[phone]}"

    def asked_and_answered(phone: str, answer: str) -> bool:
        evidence = [e for _, _, e, _ in history[phone]]
        return any(f"{RULE}: asked" in e for e in evidence) and any(f"answered {answer}" in e for e in evidence)

    for phone, answer in ((YES, "yes"), (THREAT, "yes")):
        assert attempts[phone].final_tier == "E" and asked_and_answered(phone, answer), told(phone)
        assert listed_when_ended[phone], f"on the do-not-call list before the call ended: {told(phone)}"
        assert phone not in callable_later, told(phone)  # never dialled again
    assert asked_and_answered(NO, "no"), told(NO)
    assert attempts[NO].final_tier not in ("E", None), told(NO)
    assert not listed_when_ended[NO] and not listed_now[NO], told(NO)
    assert all(len(heard[phone]["said"]) == 2 for phone in (YES, THREAT, NO)), heard
    # Each callee heard the question itself, every quarter second of it clean.
    question = heard_pcm(prompt_wav(PROMPT, "ko"))
    for phone in (YES, THREAT, NO):
        pieces = pieces_heard(heard_pcm(Path(heard[phone]["recording"])), question)
        assert min(pieces) > 0.8, (phone, [round(p, 2) for p in pieces])
