"""`tierdial sim callees`: real SIP endpoints that answer as a scenario file says.

A person answers after ringing, waits for the bot to finish its prompt (they hear it),
says their recorded lines and stays on until the dialer hangs up, their own
`hangup_after_seconds`, or (`hangs_up_when_done`) the end of their last line's speech.
What each callee heard is saved as a WAV when asked, and every ended call is logged as a
JSON line on stdout.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import sys
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pjsua2 as pj

from dialer.sim.scenario import Callee, Scenario, Utterance
from dialer.sim.voice_activity import EndOfSpeech, SoundOnsets, speech_span
from dialer.telephony.pjsua2.endpoint import (
    BRIDGE_RATE,
    AudioTap,
    active_audio_index,
    call_limit,
    logged,
    silence_native_stdout,
    start_endpoint,
)
from dialer.telephony.pjsua2.retired_calls import RetiredCalls
from dialer.telephony.realtime import take_realtime_priority

POLL_MS = 10
SIMULATED_PHONE_PRIORITY = 10  # real-time, as the SIP workers run by default
PROMPT_FALLBACK_SECONDS = 25.0  # speak anyway if no end of a prompt was heard by then


@dataclass
class _Leg:
    call: Any
    number: str
    callee: Callee
    tap: AudioTap
    answer_at: float
    answered_at: float = 0.0
    media: Any = None
    player: Any = None
    next_line: int = 0
    speaking: bool = False
    last_event_at: float = 0.0
    prompt_heard: bool = False
    cued_at: float | None = None  # when the cue file of the line to say next appeared
    vad: EndOfSpeech = field(default_factory=EndOfSpeech)
    onsets: SoundOnsets = field(default_factory=SoundOnsets)
    lines: list[dict] = field(default_factory=list)  # what was said, with when its speech ended (wall clock)
    heard: list[bytes] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    ended: bool = False
    hanging_up: bool = False
    status: int = 0

    def hear(self, pcm: bytes) -> None:
        self.heard.append(pcm)
        self.onsets.feed(pcm, time.time())
        if not self.speaking and self.vad.feed(pcm):
            self.prompt_heard = True


class _Call(pj.Call):
    def __init__(self, sim: CalleeSimulator, account: Any, call_id: int) -> None:
        super().__init__(account, call_id)
        self.sim = sim
        self.leg: _Leg | None = None

    @logged
    def onCallState(self, prm: Any) -> None:
        info = self.getInfo()
        if info.state == pj.PJSIP_INV_STATE_DISCONNECTED and self.leg is not None:
            self.leg.ended, self.leg.status = True, info.lastStatusCode
        elif info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self._attach_media()  # answered with 180 first, media may be reported only before it is active

    @logged
    def onCallMediaState(self, prm: Any) -> None:
        self._attach_media()

    def _attach_media(self) -> None:
        index = active_audio_index(self)
        if index is not None and self.leg is not None and self.leg.media is None:
            self.leg.media = self.getAudioMedia(index)
            self.leg.media.startTransmit(self.leg.tap)


class _Player(pj.AudioMediaPlayer):
    def __init__(self, leg: _Leg) -> None:
        super().__init__()
        self.leg = leg

    @logged
    def onEof2(self) -> None:
        self.leg.speaking = False
        self.leg.last_event_at = time.monotonic()
        self.leg.vad.reset()
        self.leg.prompt_heard = False


class _Account(pj.Account):
    def __init__(self, sim: CalleeSimulator) -> None:
        super().__init__()
        self.sim = sim

    @logged
    def onIncomingCall(self, prm: Any) -> None:
        self.sim.incoming(_Call(self.sim, self, prm.callId))


class CalleeSimulator:
    def __init__(
        self,
        scenario: Scenario,
        host: str = "127.0.0.1",
        port: int = 0,
        record_dir: Path | None = None,
        log: TextIO = sys.stdout,
        codec: str | None = None,
        drop_percent: int = 0,
    ):
        """`drop_percent`: of the RTP packets each way, lost, as on the callees' lossy network."""
        self.scenario = scenario
        self.log = log
        self.record_dir = record_dir
        self.endpoint, self.port = start_endpoint(host, port, only_codec=codec, drop_percent=drop_percent)
        self.free_taps = [AudioTap(f"callee{i}") for i in range(call_limit())]
        self.legs: list[_Leg] = []
        self.retired_calls = RetiredCalls()  # rejected and ended calls, dropped once their call id is free
        self.account = _Account(self)
        config = pj.AccountConfig()
        config.idUri = f"sip:callees@{host}:{self.port}"
        self.account.create(config)
        self.count = 0

    def incoming(self, call: _Call) -> None:
        number = call.getInfo().localUri.split("sip:", 1)[-1].split("@", 1)[0]
        callee = self.scenario.for_number(number)
        if callee.action in ("busy", "unavailable") or not self.free_taps:
            self.retired_calls.add(call)
            self._answer(call, 486 if callee.action == "busy" else 503)
            return
        self._answer(call, 180)
        tap = self.free_taps.pop()
        leg = _Leg(call, number, callee, tap, answer_at=time.monotonic() + callee.ring_seconds)
        call.leg = leg
        tap.sink = leg.hear
        self.legs.append(leg)

    @staticmethod
    def _answer(call: _Call, status: int) -> None:
        param = pj.CallOpParam()
        param.statusCode = status
        call.answer(param)

    def run(self, seconds: float | None = None) -> None:
        stop_at = time.monotonic() + seconds if seconds else None
        while stop_at is None or time.monotonic() < stop_at:
            self.endpoint.libHandleEvents(POLL_MS)
            now = time.monotonic()
            self.retired_calls.sweep()
            for leg in list(self.legs):
                self._step(leg, now)

    def _step(self, leg: _Leg, now: float) -> None:
        if leg.ended:
            self._finish(leg)
            return
        action = leg.callee.action
        if not leg.answered_at:
            if action in ("answer", "voicemail") and now >= leg.answer_at:
                self._answer(leg.call, 200)
                leg.answered_at = leg.last_event_at = now
            return
        if leg.media is not None and self._said_all(leg) and not leg.hanging_up:
            leg.hanging_up = True  # before the recording's trailing silence: the words end, so does the call
            leg.call.hangup(pj.CallOpParam())
        if leg.media is None or leg.speaking:
            return
        if action == "voicemail" and not leg.said:
            self._say(leg, leg.callee.greeting)
        elif action == "answer" and leg.next_line < len(leg.callee.say):
            line = leg.callee.say[leg.next_line]
            if self._line_due(leg, line, now):
                leg.next_line += 1
                leg.cued_at = None
                self._say(leg, line.wav)
        limit = leg.callee.hangup_after_seconds
        if limit and now - leg.answered_at >= limit:
            leg.call.hangup(pj.CallOpParam())

    @staticmethod
    def _line_due(leg: _Leg, line: Utterance, now: float) -> bool:
        if line.after == "cue":
            if leg.cued_at is None and line.cue is not None and line.cue.exists():
                leg.cued_at = now
            return leg.cued_at is not None and now - leg.cued_at >= line.pause
        waited = now - leg.last_event_at
        if line.after == "prompt":
            return (leg.prompt_heard and waited >= line.pause) or waited >= line.pause + PROMPT_FALLBACK_SECONDS
        return waited >= line.pause

    @staticmethod
    def _said_all(leg: _Leg) -> bool:
        """A callee who hangs up when done has said their last line to its end."""
        if not leg.callee.hangs_up_when_done or leg.next_line < len(leg.callee.say) or not leg.lines:
            return False
        return time.time() >= leg.lines[-1]["speech_end_at"]

    def _say(self, leg: _Leg, wav: Path | None) -> None:
        if wav is None:
            return
        leg.player = _Player(leg)
        leg.player.createPlayer(str(wav), pj.PJMEDIA_FILE_NO_LOOP)
        leg.player.startTransmit(leg.media)
        leg.speaking = True
        leg.said.append(wav.name)
        start, end = _speech_span(wav)
        now = time.time()
        leg.lines.append(
            {"wav": wav.name, "speech_start_at": round(now + start, 3), "speech_end_at": round(now + end, 3)}
        )

    def _finish(self, leg: _Leg) -> None:
        self.legs.remove(leg)
        leg.tap.sink = None
        self.free_taps.append(leg.tap)
        if leg.player is not None and leg.media is not None:
            # Once the call has ended its port has left the bridge, with every connection to it.
            with contextlib.suppress(pj.Error):
                leg.player.stopTransmit(leg.media)
        pcm = b"".join(leg.heard)
        self.count += 1
        record = None
        if self.record_dir is not None and pcm:
            self.record_dir.mkdir(parents=True, exist_ok=True)
            record = self.record_dir / f"{leg.number.lstrip('+')}-{self.count}.wav"
            with wave.open(str(record), "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(BRIDGE_RATE)
                out.writeframes(pcm)
        entry = {
            "event": "ended",
            "number": leg.number,
            "action": leg.callee.action,
            "sip_status": leg.status,  # as this side saw the call end: who ended an unanswered call, and how
            "said": leg.said,
            "heard_seconds": round(len(pcm) / 2 / BRIDGE_RATE, 2),
            "recording": str(record) if record else None,
            "lines": leg.lines,
            "sound_onsets": [round(t, 3) for t in leg.onsets.times],
        }
        print(json.dumps(entry), file=self.log, flush=True)
        self.retired_calls.add(leg.call)
        leg.call = leg.media = leg.player = None

    def close(self) -> None:
        for leg in self.legs:
            leg.call.hangup(pj.CallOpParam())
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:  # let the BYEs go out
            self.endpoint.libHandleEvents(POLL_MS)
        # No libDestroy: in this wheel it trips a conference assertion while freeing ports; `serve`
        # ends the process right after, without Python's teardown, and the OS frees the rest.


@functools.cache
def _speech_span(wav: Path) -> tuple[float, float]:
    with wave.open(str(wav), "rb") as audio:
        return speech_span(audio.readframes(audio.getnframes()), audio.getframerate())


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def serve(
    scenario: Scenario,
    port: int,
    record_dir: Path | None,
    role: str = "callee",
    codec: str | None = None,
    drop_percent: int = 0,
) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    out = silence_native_stdout()
    # A simulated phone stands in for a device of its own: the station's load must not make it late.
    take_realtime_priority(SIMULATED_PHONE_PRIORITY, "a simulated phone", warn=False)
    sim = CalleeSimulator(scenario, port=port, record_dir=record_dir, log=out, codec=codec, drop_percent=drop_percent)
    print(f"{role} simulator listening on 127.0.0.1:{sim.port}", file=out, flush=True)
    try:
        sim.run()
    except KeyboardInterrupt:
        pass
    finally:
        sim.close()
    out.flush()
    # Python's own teardown would free leftover PJSUA2 wrappers after libDestroy, which aborts.
    os._exit(0)


def serve_agent(port: int, record_dir: Path | None) -> int:
    """An agent's headset: answers the dialer's call at once, keeps it up, records what it hears."""
    return serve(Scenario(default=Callee(action="answer", ring_seconds=0)), port, record_dir, role="agent")
