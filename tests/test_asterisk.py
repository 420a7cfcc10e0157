"""The Asterisk engine against a real Asterisk 22 (the sandbox in a chroot) and real SIP callees (sipp)."""

from __future__ import annotations

import json
import queue
import subprocess
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from dialer.telephony.asterisk.ami import AmiError
from dialer.telephony.asterisk.follower import NO_SUCH_CHANNEL, CallFollower
from dialer.telephony.engine import Dial
from intent.live import LiveScorer
from tests.helpers import following_calls, free_udp_port, heard_pcm, messages_until, pieces_heard, sipp, wait_until
from tierdial.messages import (
    Answered,
    Bridged,
    CallEnded,
    FinalTranscript,
    Monitoring,
    PartialTranscript,
    PromptFinished,
    Ringing,
    TierDecided,
)

OPENING = Path(__file__).parents[1] / "dialer" / "prompts" / "ko" / "opening.wav"
SPEECH = Path(__file__).parents[1] / "intent" / "data" / "speech"
# A phone's recording is written when its call ends, and nothing tells what it has heard before then: once the last
# words have been sent, the media path (jitter buffers both sides of Asterisk) gets this long to deliver them before
# the call is hung up. Where the phone itself can answer what it heard, tests wait for that instead.
AUDIO_IN_FLIGHT_SECONDS = 1.0
pytestmark = [pytest.mark.asterisk, pytest.mark.realtime]


@pytest.fixture
def calls(asterisk, asr_service) -> Iterator[tuple[CallFollower, queue.Queue[object]]]:  # type: ignore[no-untyped-def]
    """Calls placed through the sandbox Asterisk, with the messages they produce, transcripts included."""
    with following_calls(asterisk[2], asr_service, trunk="sim") as following:
        yield following


@pytest.fixture
def callees() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.kill()
        process.wait()


def _callee(callees: list[subprocess.Popen[bytes]], behaviour: str) -> str:
    """A sipp callee on a free port; its SIP URI."""
    port = free_udp_port()
    callees.append(sipp(f"callee_{behaviour}.xml", port=port))
    return f"sip:+821012345678@127.0.0.1:{port}"


def test_originate_reports_answered_busy_congestion_and_no_answer(calls, callees) -> None:  # type: ignore[no-untyped-def]
    follower, messages = calls
    behaviours = ("answers", "busy", "congested", "never_answers")
    for behaviour in behaviours:
        follower.originate(Dial(behaviour, _callee(callees, behaviour), "+8225550100", "Acme", ring_timeout_seconds=3))
    seen = messages_until(messages, lambda m: isinstance(m, Answered))
    follower.hangup("answers")  # as the agent or the bot would
    follower.hangup("answers")  # both ending it at once: the second finds it gone, which is no error
    with pytest.raises(AmiError, match=NO_SUCH_CHANNEL):  # what Asterisk says of a channel that is gone
        follower.ami.action({"Action": "Hangup", "Channel": "PJSIP/nobody-00000000"})
    ends: dict[str, CallEnded] = {}
    for message in seen:
        if isinstance(message, CallEnded):
            ends[message.call_id] = message
    while len(ends) < len(behaviours):
        message = messages.get(timeout=15)
        seen.append(message)
        if isinstance(message, CallEnded):
            ends[message.call_id] = message
    answered = [m for m in seen if getattr(m, "call_id", "") == "answers"]
    assert answered[:2] == [Ringing("answers"), Answered("answers")]
    assert {call_id: (end.outcome, end.sip_status) for call_id, end in ends.items()} == {
        "answers": ("answered", 200),
        "busy": ("busy", 486),
        "congested": ("failed", 503),
        "never_answers": ("no_answer", 480),
    }
    assert Ringing("never_answers") in seen


def test_calls_are_resynchronised_after_the_ami_link_drops(asterisk, calls, callees) -> None:  # type: ignore[no-untyped-def]
    sandbox = asterisk[0]
    follower, messages = calls
    for call_id in ("stays", "ends-meanwhile"):
        follower.originate(Dial(call_id, _callee(callees, "answers"), "+8225550100", "Acme"))
    answered: set[str] = set()
    while len(answered) < 2:
        if isinstance(m := messages.get(timeout=15), Answered):
            answered.add(m.call_id)
    channel = follower.channel_of("ends-meanwhile")
    follower.ami.drop_connection()  # as if the network dropped it
    assert not follower.ami.connected
    assert "requested" in sandbox.cli(f"channel request hangup {channel}").lower()
    assert follower.ami.wait_connected(15)
    lost = CallEnded("ends-meanwhile", "answered", 200, "ended while the AMI link was down")
    assert messages_until(messages, lambda m: isinstance(m, CallEnded))[-1] == lost
    assert follower.live() == ["stays"]
    follower.hangup("stays")
    ended = messages_until(messages, lambda m: isinstance(m, CallEnded))[-1]
    assert isinstance(ended, CallEnded) and ended.call_id == "stays" and ended.outcome == "answered"
    # No second end for either call: one would be reported before the end of a call placed after them.
    follower.originate(Dial("later", _callee(callees, "busy"), "+8225550100", "Acme"))
    after = messages_until(messages, lambda m: isinstance(m, CallEnded) and m.call_id == "later")
    assert [m.call_id for m in after if isinstance(m, CallEnded)] == ["later"] and follower.live() == []


def test_the_callees_words_reach_the_asr_over_audiosocket_and_get_their_tier(  # type: ignore[no-untyped-def]
    calls, start_service, intent_model, tmp_path: Path
) -> None:
    follower, messages = calls
    phone = "+821020000001"
    scenario = tmp_path / "scenario.yaml"
    line = {"wav": "heldout/ko_E_040.wav", "after": "pause", "pause": 0.5}
    scenario.write_text(json.dumps({"numbers": {phone: {"action": "answer", "ring_seconds": 0.2, "say": [line]}}}))
    (_, port), _ = start_service("sim", "callees", "--scenario", str(scenario), ready="callee simulator listening on")
    scorer = LiveScorer(intent_model)
    follower.originate(Dial("opt-out", f"sip:{phone}@127.0.0.1:{port}", "+8225550100", "Acme"))
    finals, tiers = [], []
    deadline = time.monotonic() + 30
    while not tiers and time.monotonic() < deadline:
        message = messages.get(timeout=30)
        if isinstance(message, FinalTranscript) and message.text:
            finals.append(message.text)
            tiers += [m for m in scorer.process(message) if isinstance(m, TierDecided)]
    follower.hangup("opt-out")
    assert tiers and tiers[-1].tier == "E" and tiers[-1].call_id == "opt-out", finals


def test_a_prompt_played_into_the_call_is_what_the_callee_hears(calls, start_service, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    follower, messages = calls
    phone = "+821020000002"
    scenario = tmp_path / "scenario.yaml"
    # The callee answers the prompt once they have heard it end: what they say tells that all of it has arrived.
    line = {"wav": str(SPEECH / "heldout" / "ko_D_030.wav"), "after": "prompt", "pause": 0}
    scenario.write_text(json.dumps({"numbers": {phone: {"action": "answer", "ring_seconds": 0.2, "say": [line]}}}))
    heard_dir = tmp_path / "heard"
    (_, port), _ = start_service(
        "sim", "callees", "--scenario", str(scenario), "--record-dir", str(heard_dir), ready="listening on"
    )
    follower.originate(Dial("greeted", f"sip:{phone}@127.0.0.1:{port}", "+8225550100", "Acme"))
    messages_until(messages, lambda m: isinstance(m, Answered))
    follower.play("greeted", OPENING, "opening")
    assert messages_until(messages, lambda m: isinstance(m, PromptFinished), timeout=30)[-1] == PromptFinished(
        "greeted", "opening"
    )
    said = messages_until(messages, lambda m: isinstance(m, PartialTranscript | FinalTranscript) and bool(m.text), 15)
    assert said[-1].call_id == "greeted"  # type: ignore[attr-defined]
    follower.hangup("greeted")
    messages_until(messages, lambda m: isinstance(m, CallEnded))
    # The whole prompt is in what the callee heard, every quarter second clean (G.722 both ways, 16 kHz throughout;
    # the prompt's thread and the sandbox Asterisk run in real time, so a busy machine delays no frame).
    pieces = pieces_heard(heard_pcm(_recording(heard_dir)), heard_pcm(OPENING))
    assert len(pieces) >= 40 and min(pieces) > 0.9 and np.median(pieces) > 0.99, [round(p, 3) for p in pieces]


def _recording(record_dir: Path) -> Path:
    """The one recording a simulated phone made of its call, once the simulator has written all of it."""

    def written() -> list[Path]:
        return [path for path in record_dir.glob("*.wav") if _whole(path)]

    (recording,) = wait_until(written, 10, f"the recording in {record_dir}")
    return recording


def _whole(path: Path) -> bool:
    """Whether the WAV holds all the audio its header announces: the simulator writes the header, with the
    length, first."""
    try:
        with wave.open(str(path)) as audio:
            size = audio.getnframes() * audio.getsampwidth() * audio.getnchannels()
            return len(audio.readframes(audio.getnframes())) == size
    except (EOFError, wave.Error):
        return False  # not even the header yet


def test_takeover_lets_the_agent_hear_the_callee_while_transcription_goes_on(  # type: ignore[no-untyped-def]
    calls, start_service, tmp_path: Path
) -> None:
    follower, messages = calls
    phone, words = "+821020000003", SPEECH / "heldout" / "ko_A_003.wav"
    scenario = tmp_path / "scenario.yaml"
    line = {"wav": str(words), "after": "pause", "pause": 3.0}
    scenario.write_text(json.dumps({"numbers": {phone: {"action": "answer", "ring_seconds": 0.2, "say": [line]}}}))
    (_, callee_port), _ = start_service("sim", "callees", "--scenario", str(scenario), ready="listening on")
    (_, agent_port), _ = start_service("sim", "agent", "--record-dir", str(tmp_path / "agent"), ready="agent simulator")
    leg = follower.connect_agent(f"sip:agent1@127.0.0.1:{agent_port}", "agent-agent1")
    messages_until(messages, lambda m: isinstance(m, Answered) and m.call_id == leg)
    follower.originate(Dial("hot", f"sip:{phone}@127.0.0.1:{callee_port}", "+8225550100", "Acme"))
    messages_until(messages, lambda m: isinstance(m, Answered) and m.call_id == "hot")
    follower.bridge("hot", leg)
    seen = messages_until(
        messages, lambda m: isinstance(m, FinalTranscript) and m.call_id == "hot" and bool(m.text), 30
    )
    assert Bridged("hot", leg) in seen  # taken over before the callee spoke, and still transcribed after
    follower.hangup("hot")
    after = messages_until(messages, lambda m: isinstance(m, CallEnded) and m.call_id == "hot")
    # The agent's leg stays up for the next call: one is put through to it.
    follower.originate(Dial("next", f"sip:{phone}@127.0.0.1:{callee_port}", "+8225550100", "Acme"))
    after += messages_until(messages, lambda m: isinstance(m, Answered) and m.call_id == "next")
    follower.bridge("next", leg)  # refused if the agent's leg were gone
    follower.hangup("next")
    after += messages_until(messages, lambda m: isinstance(m, CallEnded) and m.call_id == "next")
    assert Bridged("next", leg) in after and not any(isinstance(m, CallEnded) and m.call_id == leg for m in after)
    follower.hangup(leg)
    messages_until(messages, lambda m: isinstance(m, CallEnded) and m.call_id == leg)
    pieces = pieces_heard(heard_pcm(_recording(tmp_path / "agent")), heard_pcm(words))
    # Through ChanSpy, at 8 kHz: the higher band is gone, the speech is all there.
    assert pieces and min(pieces) > 0.8, [round(p, 3) for p in pieces]


def _phones(start_service, tmp_path: Path, scenarios: dict[str, dict]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """One simulated phone (a callee simulator recording what it hears in tmp_path/its name) per scenario: its
    port."""
    ports = {}
    for name, scenario in scenarios.items():
        (tmp_path / f"{name}.yaml").write_text(json.dumps(scenario))
        (_, ports[name]), _ = start_service(
            "sim", "callees", "--scenario", str(tmp_path / f"{name}.yaml"), "--record-dir", str(tmp_path / name),
            ready="listening on",
        )  # fmt: skip
    return ports


def test_a_supervisor_listens_in_on_the_agent_and_whispers_to_them_alone(  # type: ignore[no-untyped-def]
    calls, start_service, tmp_path: Path
) -> None:
    follower, messages = calls
    phone, said, whisper = "+821020000004", SPEECH / "heldout" / "ko_C_020.wav", SPEECH / "heldout" / "ko_D_030.wav"

    def speaks(wav: Path, after_seconds: float) -> dict:
        return {"ring_seconds": 0, "say": [{"wav": str(wav), "after": "pause", "pause": after_seconds}]}

    scenarios = {
        "callee": {"numbers": {phone: speaks(said, 9)}},
        "supervisor": {"numbers": {"sam": speaks(whisper, 2)}},
    }
    ports = _phones(start_service, tmp_path, scenarios)
    (_, agent_port), _ = start_service("sim", "agent", "--record-dir", str(tmp_path / "agent"), ready="agent simulator")
    agent = follower.connect_agent(f"sip:agent1@127.0.0.1:{agent_port}", "agent-agent1")
    messages_until(messages, lambda m: isinstance(m, Answered) and m.call_id == agent)
    follower.originate(Dial("hot", f"sip:{phone}@127.0.0.1:{ports['callee']}", "+8225550100", "Acme"))
    messages_until(messages, lambda m: isinstance(m, Answered) and m.call_id == "hot")
    follower.bridge("hot", agent)
    with pytest.raises(AmiError, match="not up"):
        follower.listen_in("no-such-call", "agent-sam-listen-0", "sip:sam@127.0.0.1:9", whisper=False)
    follower.listen_in("hot", "agent-sam-listen-1", f"sip:sam@127.0.0.1:{ports['supervisor']}", whisper=True)
    messages_until(messages, lambda m: m == Monitoring("hot", "agent-sam-listen-1", True))
    messages_until(messages, lambda m: isinstance(m, FinalTranscript) and m.call_id == "hot" and bool(m.text), 40)
    time.sleep(AUDIO_IN_FLIGHT_SECONDS)  # the callee's last words, on their way to the supervisor
    for leg in ("hot", "agent-sam-listen-1", agent):
        follower.hangup(leg)
        messages_until(messages, lambda m, leg=leg: isinstance(m, CallEnded) and m.call_id == leg)
    heard = {name: _recording(tmp_path / name) for name in ("callee", "supervisor", "agent")}

    def pieces(recording: Path, sent: Path) -> list[float]:
        """How well each quarter second of `sent` comes through in `recording` (correlation; ChanSpy is 8 kHz).
        Over 0.8 is heard clean; unrelated speech in the same voice reaches 0.5-0.7 here and there."""
        return [round(p, 2) for p in pieces_heard(heard_pcm(recording), heard_pcm(sent))]

    # Spying on the agent's channel: the supervisor hears what the agent hears; the whisper reaches the agent only.
    # Every quarter second clean, on a busy machine too (a storm of process starts beside it).
    assert min(heard_by_supervisor := pieces(heard["supervisor"], said)) > 0.8, heard_by_supervisor
    assert min(whisper_heard := pieces(heard["agent"], whisper)) > 0.8, whisper_heard
    assert max(pieces(heard["callee"], whisper)) < 0.8


def test_a_supervisor_listening_before_the_takeover_hears_the_agent_after_it(  # type: ignore[no-untyped-def]
    calls, start_service, tmp_path: Path
) -> None:
    follower, messages = calls
    phone = "+821020000005"
    said, agent_says = SPEECH / "heldout" / "ko_C_020.wav", SPEECH / "heldout" / "ko_D_030.wav"
    scenarios = {  # the callee speaks late; the agent speaks once the call is theirs
        "callee": {"numbers": {phone: {"ring_seconds": 0, "say": [{"wav": str(said), "after": "pause",
                                                                   "pause": 14}]}}},
        "agent": {"numbers": {"agent2": {"ring_seconds": 0, "say": [{"wav": str(agent_says), "after": "pause",
                                                                     "pause": 9}]}}},
        "supervisor": {"numbers": {"sam": {"ring_seconds": 0}}},
    }  # fmt: skip
    ports = _phones(start_service, tmp_path, scenarios)
    agent = follower.connect_agent(f"sip:agent2@127.0.0.1:{ports['agent']}", "agent-agent2")
    messages_until(messages, lambda m: isinstance(m, Answered) and m.call_id == agent)
    follower.originate(Dial("warm", f"sip:{phone}@127.0.0.1:{ports['callee']}", "+8225550100", "Acme"))
    messages_until(messages, lambda m: isinstance(m, Answered) and m.call_id == "warm")
    follower.listen_in("warm", "agent-sam-listen-2", f"sip:sam@127.0.0.1:{ports['supervisor']}", whisper=False)
    messages_until(messages, lambda m: m == Monitoring("warm", "agent-sam-listen-2", False))
    wait_until(lambda: _running(follower, "agent-sam-listen-2") == "ChanSpy", 10, "the supervisor's leg to listen in")
    follower.bridge("warm", agent)  # the supervisor was listening to the callee and the bot
    messages_until(messages, lambda m: isinstance(m, FinalTranscript) and m.call_id == "warm" and bool(m.text), 40)
    time.sleep(AUDIO_IN_FLIGHT_SECONDS)  # the callee's last words, on their way to the supervisor
    legs, ended = {"warm", "agent-sam-listen-2", agent}, set()
    for leg in legs:
        follower.hangup(leg)
    messages_until(messages, lambda m: isinstance(m, CallEnded) and (ended.add(m.call_id) or ended >= legs))
    supervisor = heard_pcm(_recording(tmp_path / "supervisor"))

    def pieces(sent: Path) -> list[float]:
        return [round(p, 2) for p in pieces_heard(supervisor, heard_pcm(sent))]

    # Every quarter second clean: the agent, heard only once the listen-in moved to the agent's channel, and the
    # callee, whom the agent hears.
    assert min(agent_heard := pieces(agent_says)) > 0.8, agent_heard
    assert min(callee_heard := pieces(said)) > 0.8, callee_heard


def _running(follower: CallFollower, leg: str) -> str:
    """The dialplan application the leg's channel is running, as Asterisk tells it."""
    if (channel := follower.channel_of(leg)) is None:
        return ""
    replies = follower.ami.action({"Action": "Status", "Channel": channel}, as_list=True)
    return next((reply.get("Application", "") for reply in replies if reply.get("Event") == "Status"), "")
