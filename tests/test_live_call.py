"""A real campaign over real SIP on loopback: PJSUA2 workers dial the callee simulator,
the callee's audio goes to the ASR service, the intent decides, the bot acts."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from dialer.call_flow import CallFlow
from dialer.models import CallAttempt, Campaign, Contact, DoNotCall
from dialer.prompt_uploads import review_prompt, upload_prompt
from dialer.runner import CampaignRunner
from dialer.telephony.asterisk.sandbox import sandbox_for
from dialer.telephony.registry import make_engine as make_telephony
from intent.classifier import IntentModel
from tests.helpers import (
    NOON_IN_SEOUL,
    SPEECH,
    asterisk_config,
    dialling_config,
    free_port,
    heard_pcm,
    pieces_heard,
    require_sandbox_tools,
    seed_campaign,
    spoken_wav,
)
from tierdial.bus import EventBus
from tierdial.db import make_engine, make_sessions
from tierdial.messages import Answered, AudioGaps, CallEnded, MachineDetected, TierDecided
from tierdial.schema import upgrade

pytestmark = pytest.mark.realtime

OPENING_SECONDS = 13.9  # dialer/prompts/ko/opening.wav
OWN_OPT_OUT = SPEECH / "heldout" / "ko_D_031.wav"  # stands for a campaign's own recording of the confirmation
OPT_OUT, HOT, VOICEMAIL, BUSY, NO_ANSWER, DOWN, HANGS_UP, LATER, WRONG, QUITS = (
    f"+8210200000{i:02d}" for i in range(1, 11)
)
# The hot line is one the recogniser hears alike however long the callee listened first: heard over
# SIP after the bot's opening, "어떻게 신청하는지 알려 주세요" sometimes comes out "... 하려 주세요" (tier C).
# How often recordings come out right is test_triage's business; this test is about the call path.
SCENARIO = {
    "numbers": {
        OPT_OUT: {"action": "answer", "say": [{"wav": "heldout/ko_E_040.wav"}]},
        HOT: {"action": "answer", "say": [{"wav": "heldout/ko_A_003.wav"}], "hangup_after_seconds": 25},
        VOICEMAIL: {"action": "voicemail", "greeting": "heldout/ko_F_058.wav"},
        BUSY: {"action": "busy"},
        NO_ANSWER: {"action": "no_answer"},
        DOWN: {"action": "unavailable"},
        HANGS_UP: {"action": "answer", "hangup_after_seconds": 3},  # while the bot's opening plays
        LATER: {"action": "answer", "say": [{"wav": "heldout/ko_C_026.wav"}]},  # "call again next Tuesday"
        WRONG: {"action": "answer", "say": [{"wav": "heldout/ko_F_050.wav"}]},  # "I think you have the wrong number"
        # "Stop calling me", and gone: the recogniser ends the utterance only after the call has ended.
        QUITS: {"action": "answer", "say": [{"wav": "heldout/ko_E_040.wav"}], "hangs_up_when_done": True},
    }
}


def _run(tmp_path: Path, trunk_port: int, asr_address, model: IntentModel, phones: list[str], language: str = "ko",  # type: ignore[no-untyped-def]
         **engine):  # fmt: skip
    config = dialling_config(trunk_port, campaign_defaults={"ring_timeout_seconds": 15}, data_dir=str(tmp_path / "var"),
                             **engine)  # fmt: skip
    database = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    upgrade(database)
    sessions = make_sessions(database)
    campaign_id = seed_campaign(sessions, "live test", phones)
    with sessions.begin() as s:
        s.get(Campaign, campaign_id).language = language
    with sessions.begin() as s:  # the campaign's own confirmation of an opt-out, uploaded and approved by another
        upload = upload_prompt(s, config.data_dir, campaign_id, "opt_out", OWN_OPT_OUT.read_bytes(),
                               "수신 거부 처리되었습니다", "sam")  # fmt: skip
        review_prompt(s, upload.id, approve=True, note="", actor="ada")
    bus = EventBus()
    events: list[object] = []
    dnc_when_ended: dict[str, bool] = {}
    contacts_due: dict[str, tuple[str, dt.timedelta | None]] = {}  # each contact's status, and when it is due again

    def on_end(message: CallEnded) -> None:
        with sessions() as s:
            attempt = s.scalars(select(CallAttempt).where(CallAttempt.call_id == message.call_id)).one()
            phone = s.get(Contact, attempt.contact_id).phone_e164
            dnc_when_ended[phone] = s.scalar(select(DoNotCall.id).where(DoNotCall.phone_e164 == phone)) is not None

    bus.subscribe(events.append)
    bus.subscribe(on_end, CallEnded)
    flow = CallFlow(config, sessions, model, bus, clock=lambda: NOON_IN_SEOUL)
    engine = make_telephony(config, flow.on_event, asr_address)
    flow.engine = engine
    engine.start()
    try:
        runner = CampaignRunner(config, sessions, flow, campaign_id, lines=3, clock=lambda: NOON_IN_SEOUL)
        runner.run(max_seconds=float(__import__("os").environ.get("LIVE_MAX", "120")))
        # A second pass over the same campaign: nothing that ended for good may be dialled again.
        redialled = [c.phone_e164 for c in _callable_now(sessions, campaign_id, runner)]
    finally:
        engine.stop()
    with sessions() as s:
        attempts = {s.get(Contact, a.contact_id).phone_e164: a for a in s.scalars(select(CallAttempt))}
        for contact in s.scalars(select(Contact)):
            due = contact.next_attempt_at - NOON_IN_SEOUL if contact.next_attempt_at else None
            contacts_due[contact.phone_e164] = (contact.status.value, due)
        listed = set(s.scalars(select(DoNotCall.phone_e164)))
    return attempts, events, dnc_when_ended, redialled, contacts_due, listed


def _callable_now(sessions, campaign_id: int, runner: CampaignRunner) -> list[Contact]:  # type: ignore[no-untyped-def]
    from dialer.hopper import next_callable

    with sessions() as s:
        later = NOON_IN_SEOUL + dt.timedelta(hours=1, minutes=30)
        return next_callable(s, s.get(Campaign, campaign_id), now=later, limit=100)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("engine", ["pjsua2", "asterisk", "asterisk with machine detection"])
def test_a_campaign_over_real_sip(  # type: ignore[no-untyped-def]
    tmp_path: Path, start_service, asr_service, intent_model: IntentModel, engine: str, request
) -> None:
    """The same campaign, the same assertions, on either engine: only config.yaml differs."""
    settings: dict[str, object] = {"engine": engine.split()[0]}
    with contextlib.ExitStack() as stack:
        if engine == "asterisk":
            ami = request.getfixturevalue("asterisk")[1]
            settings["asterisk"] = {"ami_port": ami.port, "ami_username": ami.username, "ami_secret": ami.secret}
        elif engine.startswith("asterisk"):
            require_sandbox_tools()
            sandboxed, _ = stack.enter_context(sandbox_for(asterisk_config(amd=True)))
            settings["asterisk"] = sandboxed.asterisk.model_dump(mode="json")
        _campaign_on(engine, tmp_path, start_service, asr_service, intent_model, settings)


def _campaign_on(engine: str, tmp_path: Path, start_service, asr_service, intent_model, settings: dict) -> None:  # type: ignore[no-untyped-def]
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(json.dumps(SCENARIO), encoding="utf-8")
    (_, trunk_port), stop_sim = start_service(
        "sim",
        "callees",
        "--scenario",
        str(scenario),
        "--record-dir",
        str(tmp_path / "heard"),
        ready="callee simulator listening on",
    )
    phones = [OPT_OUT, HOT, VOICEMAIL, BUSY, NO_ANSWER, DOWN, HANGS_UP, LATER, WRONG, QUITS]
    attempts, events, dnc_when_ended, redialled, contacts_due, listed = _run(
        tmp_path, trunk_port, asr_service, intent_model, phones, **settings
    )
    sim_log = [json.loads(line) for line in stop_sim().splitlines() if line.startswith("{")]

    tiers: dict[str, list[tuple[str, str]]] = {}
    for message in events:
        if isinstance(message, TierDecided) and message.is_final:
            tiers.setdefault(message.call_id, []).append((message.tier, message.text))

    summary = {phone: (str(a.outcome), a.final_tier, a.hangup_cause) for phone, a in attempts.items()}
    gaps = {m.call_id: m for m in events if isinstance(m, AudioGaps)}
    opt_out = attempts[OPT_OUT]
    assert opt_out.outcome == "answered" and opt_out.final_tier == "E", summary
    assert dnc_when_ended[OPT_OUT], f"the opt-out must be on the do-not-call list before the call ends: {summary}"
    assert OPT_OUT not in redialled, summary
    # An opt-out whose last words the recogniser finished after the callee hung up is honoured all the same.
    quits = attempts[QUITS]
    assert quits.outcome == "answered" and quits.final_tier == "E", (tiers.get(quits.call_id), summary)
    assert QUITS in listed and QUITS not in redialled and contacts_due[QUITS] == ("closed", None), contacts_due

    hot = attempts[HOT]
    assert hot.outcome == "answered" and hot.final_tier == "A", (tiers.get(hot.call_id), summary)
    assert not dnc_when_ended[HOT], summary
    # No agent took the hot lead (none is logged in; they hung up waiting): it is called back within half an hour.
    assert contacts_due[HOT] == ("callback", dt.timedelta(minutes=30)), contacts_due
    # "Call again next Tuesday", said on a Monday at noon: called back on a Tuesday at noon, their time (this one or
    # the next: the recogniser does not always hear "next week"). The Korean model hears this recording at the edge
    # of what it can: a few concealed frames can cost it the day's name as well (twice in CI runs, heard "당초 에 다시
    # 연락 주세요" and, with 160 ms concealed, "땅 조화 유일의 다시 연락 주세요"); the call's audio gaps are in the
    # message. Decoded alone with 4 or 8 random frames concealed, it keeps "화요일" 11 times in 12. Whisper's pass
    # hears it whole, gaps or not, but reads the wrong-number line below as B: neither recogniser alone carries this
    # call list yet (the issue on recognisers), and the bar stays.
    assert attempts[LATER].final_tier == "C", (tiers.get(attempts[LATER].call_id), summary)
    status, due = contacts_due[LATER][0], NOON_IN_SEOUL + (contacts_due[LATER][1] or dt.timedelta())
    assert status == "callback" and due.weekday() == 1 and due.time() == NOON_IN_SEOUL.time(), (
        tiers.get(attempts[LATER].call_id),
        contacts_due[LATER],
        gaps.get(attempts[LATER].call_id),
    )
    # "You have the wrong number": removed, not tried again.
    assert attempts[WRONG].final_tier == "F" and contacts_due[WRONG] == ("closed", None), (
        tiers.get(attempts[WRONG].call_id),
        contacts_due[WRONG],
    )

    assert attempts[VOICEMAIL].outcome == "machine" and attempts[VOICEMAIL].final_tier is None, summary
    assert attempts[BUSY].outcome == "busy" and attempts[BUSY].final_tier is None, summary
    # The cause first: pytest cuts a long message short, and this one has been seen to fail once in a while.
    assert attempts[NO_ANSWER].outcome == "no_answer" and attempts[NO_ANSWER].final_tier is None, (
        summary[NO_ANSWER],
        [entry for entry in sim_log if entry.get("number") == NO_ANSWER],
        summary,
    )
    assert attempts[DOWN].outcome == "failed" and attempts[DOWN].hangup_cause.startswith("503"), summary
    # A callee who hangs up on the bot ends just that call: the SIP worker and its other calls go on.
    assert attempts[HANGS_UP].outcome == "answered" and attempts[HANGS_UP].final_tier is None, summary
    assert not any("SIP worker process ended" in (a.hangup_cause or "") for a in attempts.values()), summary
    assert all(a.outcome != "in_progress" and a.ended_at for a in attempts.values()), summary
    # When each call was answered is kept (talk time, speed of answer): only for the calls that were.
    answered = {phone for phone, a in attempts.items() if a.outcome in ("answered", "machine")}
    assert answered == {OPT_OUT, HOT, VOICEMAIL, HANGS_UP, LATER, WRONG, QUITS}, summary
    assert all(a.started_at <= a.answered_at <= a.ended_at for p, a in attempts.items() if p in answered), summary
    assert all(a.answered_at is None for p, a in attempts.items() if p not in answered), summary
    # Everyone sees the same, owned caller number.
    assert {a.caller_number for a in attempts.values()} == {"+82234567890"}, summary

    # With machine detection, the voicemail was heard as a machine and still heard the bot's opening (who calls, how
    # to stop calls); people waiting in silence for the bot to speak were not taken for machines.
    detected = {m.call_id for m in events if isinstance(m, MachineDetected)}
    if "machine detection" in engine:
        assert detected == {attempts[VOICEMAIL].call_id}, summary
    else:
        assert not detected

    # The simulated person heard the bot's opening before speaking, then the bot's reply.
    heard = {entry["number"]: entry for entry in sim_log}
    assert heard[OPT_OUT]["said"] == ["ko_E_040.wav"] and heard[OPT_OUT]["heard_seconds"] > 8, summary
    # The opt-out was confirmed with the campaign's own approved recording, not the product's (another recording
    # has no clean quarter second), and every quarter second of it came through clean.
    confirmation = pieces_heard(heard_pcm(Path(heard[OPT_OUT]["recording"])), heard_pcm(OWN_OPT_OUT))
    assert min(confirmation) > 0.8, [round(p, 2) for p in confirmation]
    assert heard[VOICEMAIL]["heard_seconds"] >= OPENING_SECONDS, f"the voicemail must record the whole opening: {heard}"


def _engine_settings(engine: str, request: pytest.FixtureRequest) -> dict[str, object]:
    """config.yaml's engine settings for `engine` (the sandbox Asterisk's AMI for asterisk)."""
    settings: dict[str, object] = {"engine": engine}
    if engine == "asterisk":
        ami = request.getfixturevalue("asterisk")[1]
        settings["asterisk"] = {"ami_port": ami.port, "ami_username": ami.username, "ami_secret": ami.secret}
    return settings


@pytest.fixture(scope="module")
def two_pass_asr_service(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """An ASR service with Whisper's second pass, as the README advises for 8 kHz trunks, that also hears English
    and Mandarin campaigns (Whisper alone)."""
    from tests.helpers import ROOT
    from tierdial import processes

    config = tmp_path_factory.mktemp("two-pass") / "config.yaml"
    config.write_text("asr:\n  backend: vosk+whisper\n  languages: [en, zh]\n", encoding="utf-8")
    service = processes.start_service(
        ["--config", str(config), "asr", "serve", "--port", "0"], "listening on", cwd=ROOT
    )
    yield service.address
    service.stop()


@pytest.mark.timeout(180)
@pytest.mark.parametrize("engine", ["pjsua2", "asterisk"])
def test_an_opt_out_over_a_narrowband_g711_trunk(  # type: ignore[no-untyped-def]
    tmp_path: Path, start_service, two_pass_asr_service, intent_model: IntentModel, engine: str, request
) -> None:
    """Most carriers deliver G.711 at 8 kHz: a trunk that offers nothing else is still heard (with the second pass
    the README advises there: Vosk alone reads little of narrowband speech, and once in CI heard nothing of this
    line over Asterisk), and an opt-out on it is honoured before the call ends."""
    settings = _engine_settings(engine, request)
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(json.dumps({"numbers": {OPT_OUT: SCENARIO["numbers"][OPT_OUT]}}), encoding="utf-8")
    (_, trunk_port), stop_sim = start_service("sim", "callees", "--scenario", str(scenario), "--codec", "pcmu")
    try:
        attempts, events, dnc_when_ended, *_ = _run(
            tmp_path, trunk_port, two_pass_asr_service, intent_model, [OPT_OUT], **settings
        )
    finally:
        stop_sim()
    opt_out = attempts[OPT_OUT]
    heard = [(m.tier, m.text) for m in events if isinstance(m, TierDecided) and m.is_final]
    assert opt_out.outcome == "answered" and opt_out.final_tier == "E", heard
    assert dnc_when_ended[OPT_OUT], heard
    if engine == "pjsua2":  # the embedded engine names the codec the call was answered in; Asterisk's events do not
        assert [m.codec for m in events if isinstance(m, Answered)] == ["PCMU"]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("engine", ["pjsua2", "asterisk"])
def test_an_english_campaigns_opt_out_over_a_narrowband_trunk(  # type: ignore[no-untyped-def]
    tmp_path: Path, start_service, two_pass_asr_service, intent_model: IntentModel, engine: str, request
) -> None:
    """A campaign in English is heard in English (the call tells the recogniser its campaign's language), on a
    station whose recogniser also hears Korean: the opt-out is honoured before the call ends."""
    settings = _engine_settings(engine, request)
    said = spoken_wav(tmp_path / "stop.wav", "en-us", "Stop calling me. Take my number off your list.")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(json.dumps({"numbers": {OPT_OUT: {"action": "answer", "say": [{"wav": str(said)}]}}}))
    (_, trunk_port), stop_sim = start_service("sim", "callees", "--scenario", str(scenario), "--codec", "pcmu")
    try:
        attempts, events, dnc_when_ended, *_ = _run(
            tmp_path, trunk_port, two_pass_asr_service, intent_model, [OPT_OUT], language="en", **settings
        )
    finally:
        stop_sim()
    heard = [(m.tier, m.text) for m in events if isinstance(m, TierDecided) and m.is_final]
    assert attempts[OPT_OUT].final_tier == "E" and dnc_when_ended[OPT_OUT], heard
    assert any("stop" in text.lower() for _, text in heard), heard  # heard as English, not as Korean


@pytest.mark.timeout(180)
def test_a_mandarin_campaigns_opt_out_over_a_narrowband_trunk(  # type: ignore[no-untyped-def]
    tmp_path: Path, start_service, two_pass_asr_service, intent_model: IntentModel
) -> None:
    """A campaign in Mandarin: the callee (the bot's own voice reading pinyin) says 别再给我打电话了，把我的号码删掉;
    it is heard as Mandarin, in simplified characters, and honoured before the call ends. On the embedded engine
    only: the English test above shows the language reaching the recogniser on both."""
    reading = "bie2 zai4 gei3 wo3 da3 dian4hua4 le5, ba3 wo3 de5 hao4ma3 shan1diao4."
    said = spoken_wav(tmp_path / "stop.wav", "kokoro:zh", reading)
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(json.dumps({"numbers": {OPT_OUT: {"action": "answer", "say": [{"wav": str(said)}]}}}))
    (_, trunk_port), stop_sim = start_service("sim", "callees", "--scenario", str(scenario), "--codec", "pcmu")
    try:
        attempts, events, dnc_when_ended, *_ = _run(
            tmp_path, trunk_port, two_pass_asr_service, intent_model, [OPT_OUT], language="zh"
        )
    finally:
        stop_sim()
    heard = [(m.tier, m.text) for m in events if isinstance(m, TierDecided) and m.is_final]
    assert attempts[OPT_OUT].final_tier == "E" and dnc_when_ended[OPT_OUT], heard
    assert any("电话" in text for _, text in heard), heard  # heard as Mandarin, written in simplified characters


@pytest.mark.timeout(120)
def test_an_unreachable_trunk_ends_as_failed(tmp_path: Path, asr_service, intent_model: IntentModel) -> None:
    attempts, *_ = _run(tmp_path, free_port(), asr_service, intent_model, [HOT])
    assert attempts[HOT].outcome in ("failed", "no_answer")
    assert attempts[HOT].ended_at is not None and attempts[HOT].final_tier is None


@pytest.mark.timeout(180)
def test_one_worker_dials_through_more_caller_numbers_than_the_sip_library_holds_accounts(
    tmp_path: Path, start_service, asr_service, intent_model: IntentModel
) -> None:
    from types import SimpleNamespace

    from dialer.telephony.pjsua2.worker import MAX_ACCOUNTS
    from number_pool.assignment import stable_pick

    numbers = [f"+8223456{k:04d}" for k in range(MAX_ACCOUNTS + 3)]
    pool = [SimpleNamespace(e164=n) for n in numbers]
    phone_for: dict[str, str] = {}  # one callee per caller number: every number is used
    for candidate in range(10_000):
        phone = f"+8210300{candidate:05d}"
        phone_for.setdefault(stable_pick(phone, pool).e164, phone)  # type: ignore[arg-type]
        if len(phone_for) == len(numbers):
            break
    phones = list(phone_for.values())
    scenario = tmp_path / "busy.yaml"
    scenario.write_text(json.dumps({"numbers": {p: {"action": "busy"} for p in phones}}), encoding="utf-8")
    (_, trunk_port), stop_sim = start_service("sim", "callees", "--scenario", str(scenario), ready="listening on")
    owned = [{"number": n, "trunk": "sim", "region": "KR", "owned": True} for n in numbers]
    try:
        attempts, *_ = _run(
            tmp_path, trunk_port, asr_service, intent_model, phones, sip={"workers": 1}, caller_numbers=owned
        )
    finally:
        stop_sim()
    summary = {phone: (str(a.outcome), a.caller_number, a.hangup_cause) for phone, a in attempts.items()}
    assert len({a.caller_number for a in attempts.values()}) == len(numbers), summary
    assert all(a.outcome == "busy" for a in attempts.values()), summary  # no worker died on the ninth number


@pytest.mark.timeout(120)
def test_a_sip_worker_that_dies_ends_its_calls_and_another_takes_its_place(
    tmp_path: Path, start_service, asr_service
) -> None:
    import os
    import queue
    import signal

    from dialer.telephony.engine import Dial
    from tests.helpers import messages_until, wait_until

    long_call, busy = "+821020000101", "+821020000102"
    first, second = str(uuid.uuid4()), str(uuid.uuid4())  # call ids are UUIDs: the ASR stream is named by one
    scenario = tmp_path / "callees.yaml"
    numbers = {long_call: {"action": "answer", "hangup_after_seconds": 60}, busy: {"action": "busy"}}
    scenario.write_text(json.dumps({"numbers": numbers}), encoding="utf-8")
    (_, trunk_port), stop_sim = start_service("sim", "callees", "--scenario", str(scenario), ready="listening on")
    messages: queue.Queue[object] = queue.Queue()
    engine = make_telephony(dialling_config(trunk_port, workers=1), messages.put, asr_service)
    engine.start()
    try:
        engine.originate(Dial(first, f"sip:{long_call}@127.0.0.1:{trunk_port}", "+82234567890", "tierdial", 15))
        messages_until(messages, lambda m: isinstance(m, Answered) and m.call_id == first)
        [dead] = engine.worker_pids
        os.kill(dead, signal.SIGKILL)
        ended = messages_until(messages, lambda m: isinstance(m, CallEnded) and m.call_id == first)[-1]
        assert isinstance(ended, CallEnded) and ended.outcome == "failed"
        # The replacement starts in the background.
        wait_until(
            lambda: engine.worker_pids and engine.worker_pids != [dead], 30, "a SIP worker in the dead one's place"
        )
        engine.originate(Dial(second, f"sip:{busy}@127.0.0.1:{trunk_port}", "+82234567890", "tierdial", 15))
        again = messages_until(messages, lambda m: isinstance(m, CallEnded) and m.call_id == second, timeout=30)[-1]
        assert isinstance(again, CallEnded) and again.outcome == "busy"
    finally:
        engine.stop()
        stop_sim()
