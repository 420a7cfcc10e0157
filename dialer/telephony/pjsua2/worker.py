"""A SIP worker process: one PJSUA2 endpoint holding up to `call_limit()` calls.

The parent sends commands over a pipe and reads events back (see `protocol`). The
callee's audio goes from the bridge tap straight to the audio sink (the ASR service,
over TCP); the tap callback only copies bytes, so nothing heavy ever runs beside the
bridge clock.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import pjsua2 as pj

from asr.audio_breaks import READ_EVERY_MS, BrokenAudio
from dialer.telephony.engine import AudioStream, Dial
from dialer.telephony.pjsua2.endpoint import (
    FRAME_USEC,
    AudioTap,
    active_audio_index,
    call_limit,
    logged,
    silence_native_stdout,
    start_endpoint,
)
from dialer.telephony.pjsua2.outcome import outcome_of
from dialer.telephony.pjsua2.protocol import (
    Bridge,
    Command,
    Hangup,
    MediaUp,
    Monitor,
    Originate,
    Play,
    Ready,
    Relay,
    Reply,
    Shutdown,
    StopPlaying,
    Unbridge,
    WorkerSettings,
)
from dialer.telephony.pjsua2.relay import RelayPort
from dialer.telephony.pjsua2.retired_calls import RetiredCalls
from dialer.telephony.realtime import take_realtime_priority
from tierdial.logs import setup_logging
from tierdial.messages import AudioGaps, Bridged, CallEnded, Monitoring, PromptFinished, Ringing, StageError

log = logging.getLogger(__name__)
POLL_MS = 10
# PJSUA_MAX_ACC as the wheel is built: one more account and the library aborts the process.
MAX_ACCOUNTS = 8


@dataclass
class Slot:
    """One call position of this worker, with its reusable tap and relay port."""

    tap: AudioTap
    relay: RelayPort
    dial: Dial | None = None
    call: Any = None
    media: Any = None
    asr: AudioStream | None = None
    player: Any = None
    prompt: str = ""
    deadline: float = 0.0
    rang: bool = False
    answered: bool = False
    timed_out: bool = False
    ended: bool = False
    # How the call ended (outcome, SIP status, reason), reported once the slot is free for the next call.
    end_report: tuple[str, int, str] | None = None
    retired_players: list[Any] = field(default_factory=list)
    bridged_to: Slot | None = None  # the other leg of a bridge inside this worker
    relaying: bool = False  # bridged to a leg in another worker through the relay port
    monitoring: Slot | None = None  # a supervisor's leg: the call it hears
    whispering: bool = False  # a supervisor's leg: the agent on that call hears it too
    audio_index: int = -1  # the call's audio stream, once up
    broken: BrokenAudio = field(default_factory=BrokenAudio)  # of the callee's audio, read as the call goes on
    broken_read_at: float = 0.0


class _Call(pj.Call):
    def __init__(self, worker: Worker, account: Any, slot: Slot) -> None:
        super().__init__(account)
        self.worker, self.slot = worker, slot

    @logged
    def onCallState(self, prm: Any) -> None:
        info = self.getInfo()
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self._attach_media()  # PJSUA2 may report media state only before it is active
        self.worker.call_state(self.slot, info.state, info.lastStatusCode, info.lastReason)

    @logged
    def onCallMediaState(self, prm: Any) -> None:
        self._attach_media()

    def _attach_media(self) -> None:
        index = active_audio_index(self)
        if index is not None and self.slot.media is None:
            self.slot.audio_index = index
            self.worker.media_ready(self.slot, self.getAudioMedia(index), self.getStreamInfo(index).codecName)


class _Player(pj.AudioMediaPlayer):
    def __init__(self, worker: Worker, slot: Slot) -> None:
        super().__init__()
        self.worker, self.slot = worker, slot

    @logged
    def onEof2(self) -> None:
        self.worker.prompt_done(self.slot)


class Worker:
    def __init__(self, conn: Connection, settings: WorkerSettings) -> None:
        self.conn = conn
        self.settings = settings
        self.send_lock = threading.Lock()
        self.endpoint, self.port = start_endpoint(settings.host)
        host = settings.host
        self.slots = [Slot(AudioTap(f"tap{i}"), RelayPort(f"relay{i}", host)) for i in range(call_limit())]
        self.accounts: dict[str, Any] = {}
        self.retired_calls = RetiredCalls()
        self.running = True

    # events -------------------------------------------------------------------------------------
    def send(self, reply: Reply) -> None:
        with self.send_lock:
            try:
                self.conn.send(reply)
            except OSError:
                if self.running:
                    raise
                # Shutting down after the station died: nobody is left to tell.

    def call_state(self, slot: Slot, state: int, status: int, reason: str) -> None:
        call_id = slot.dial.call_id
        log.debug("state %s status %s %s", state, status, reason, extra={"call_id": call_id})
        if state == pj.PJSIP_INV_STATE_EARLY and not slot.rang:
            slot.rang = True
            self.send(Ringing(call_id))
        elif state == pj.PJSIP_INV_STATE_CONFIRMED:
            slot.answered = True  # announced with its codec once media is up ("media")
        elif state == pj.PJSIP_INV_STATE_DISCONNECTED and not slot.ended:
            slot.ended = True
            outcome = outcome_of(status, answered=slot.answered, rang=slot.rang, timed_out=slot.timed_out)
            slot.tap.sink = None
            if slot.asr is not None:
                slot.asr.hang_up()
            self._unbridge(slot)
            slot.end_report = (outcome, status, reason)

    def media_ready(self, slot: Slot, media: Any, codec: str) -> None:
        slot.media = media
        log.debug("media up: %s", codec, extra={"call_id": slot.dial.call_id})
        if not slot.dial.listen:
            self.send(MediaUp(slot.dial.call_id, codec, slot.relay.port))
            return
        if slot.asr is None:
            call_id = slot.dial.call_id
            slot.asr = self.settings.audio.open(
                call_id,
                16000,
                on_result=self.send,
                thread_init=lambda: self.endpoint.libRegisterThread(f"asr-{call_id[:8]}"),
                language=slot.dial.language,
            )
            slot.tap.start(slot.asr.send)
        media.startTransmit(slot.tap)
        self.send(MediaUp(slot.dial.call_id, codec, slot.relay.port))

    def prompt_done(self, slot: Slot) -> None:
        if slot.dial is not None:
            self.send(PromptFinished(slot.dial.call_id, slot.prompt))

    # commands -----------------------------------------------------------------------------------
    def originate(self, dial: Dial) -> None:
        slot = next((s for s in self.slots if s.dial is None), None)
        if slot is None:
            self.send(CallEnded(dial.call_id, "failed", 0, "worker has no free call slot"))
            return
        slot.dial, slot.deadline = dial, time.monotonic() + dial.ring_timeout_seconds
        slot.audio_index, slot.broken = -1, BrokenAudio()
        slot.rang = slot.answered = slot.timed_out = slot.ended = False
        slot.call = _Call(self, self._account_for(dial), slot)
        param = pj.CallOpParam(True)
        identity = pj.SipHeader()
        identity.hName = "P-Asserted-Identity"
        identity.hValue = f"<sip:{dial.caller_number}@{self.settings.host}>"
        param.txOption.headers.append(identity)
        try:
            slot.call.makeCall(dial.destination, param)
        except pj.Error as exc:
            slot.ended, slot.end_report = True, ("failed", 0, exc.info())

    def play(self, call_id: str, wav: str, prompt: str) -> None:
        slot = self._slot(call_id)
        if slot is None or slot.media is None:
            return
        self.stop_playing(call_id)
        player = _Player(self, slot)
        player.createPlayer(wav, pj.PJMEDIA_FILE_NO_LOOP)
        player.startTransmit(slot.media)
        slot.player, slot.prompt = player, prompt
        self._feed_monitors(slot)

    def stop_playing(self, call_id: str) -> None:
        slot = self._slot(call_id)
        if slot is not None and slot.player is not None:
            if slot.media is not None:
                slot.player.stopTransmit(slot.media)
            slot.retired_players.append(slot.player)  # deleted from the loop, never inside a callback
            slot.player = None

    def bridge(self, call_id: str, agent_leg: str) -> None:
        """Both legs are in this worker: connect them on the bridge."""
        callee, agent = self._slot(call_id), self._slot(agent_leg)
        if callee is None or callee.media is None:
            return
        if agent is None or agent.media is None:
            self.send(StageError(call_id, "bridge", f"agent leg {agent_leg} is not up"))
            return
        self.stop_playing(call_id)
        self._unbridge(agent)  # an agent talks to one callee at a time
        callee.media.startTransmit(agent.media)
        agent.media.startTransmit(callee.media)
        callee.bridged_to, agent.bridged_to = agent, callee
        self._feed_monitors(callee)
        self.send(Bridged(call_id, agent_leg))

    def relay(self, call_id: str, peer_port: int, announce_as: str) -> None:
        """The other leg is in another worker: exchange this leg's audio with its relay port.

        Both sides get this command; the callee's side (`announce_as` names the agent's leg)
        stops the bot and reports the bridge.
        """
        slot = self._slot(call_id)
        if slot is None or slot.media is None:
            if announce_as:
                self.send(StageError(call_id, "bridge", "the call is no longer up"))
            return
        self._unbridge(slot)
        if announce_as:
            self.stop_playing(call_id)
        slot.relay.connect(self.settings.host, peer_port)
        slot.media.startTransmit(slot.relay)
        slot.relay.startTransmit(slot.media)
        slot.relaying = True
        if announce_as:
            self._feed_monitors(slot)
            self.send(Bridged(call_id, announce_as))

    def monitor(self, leg: str, call_id: str, whisper: bool) -> None:
        """A supervisor's leg, up in this worker, starts hearing the call (and whispering to its agent)."""
        supervisor, call = self._slot(leg), self._slot(call_id)
        if supervisor is None or supervisor.media is None:
            return
        if call is None or call.media is None or call.ended:
            self.send(StageError(call_id, "listen", "the call has ended"))
            self.hangup(leg)
            return
        supervisor.monitoring, supervisor.whispering = call, whisper
        self._feed_monitors(call)
        self.send(Monitoring(call_id, leg, whisper))

    def _feed_monitors(self, call: Slot) -> None:
        """Connect what is heard on `call` now (the callee, the bot's prompt, the agent) to every supervisor's leg
        that listens to it; a whispering supervisor to the agent. Again after each change: connecting twice is
        harmless."""
        monitors = [s for s in self.slots if s.monitoring is call and s.media is not None and not s.ended]
        if not monitors or call.media is None or call.ended:
            return
        agent = call.bridged_to.media if call.bridged_to is not None else call.relay if call.relaying else None
        sources = [source for source in (call.media, call.player, agent) if source is not None]
        for supervisor in monitors:
            for source in sources:
                source.startTransmit(supervisor.media)
            if supervisor.whispering and agent is not None:
                # Into the agent's leg, or into the relay port that carries the callee's voice to the agent's
                # worker: either way the agent hears it and the callee, who hears only the agent, does not.
                supervisor.media.startTransmit(agent)

    def unbridge(self, call_id: str) -> None:
        slot = self._slot(call_id)
        if slot is not None:
            self._unbridge(slot)

    def _unbridge(self, slot: Slot) -> None:
        other = slot.bridged_to
        if other is not None:
            other.bridged_to = slot.bridged_to = None
            for source, target in ((slot.media, other.media), (other.media, slot.media)):
                if source is not None and target is not None and not (slot.ended or other.ended):
                    source.stopTransmit(target)
        if slot.relaying:
            slot.relaying = False
            slot.relay.disconnect()
            if slot.media is not None and not slot.ended:
                slot.media.stopTransmit(slot.relay)
                slot.relay.stopTransmit(slot.media)

    def hangup(self, call_id: str) -> None:
        slot = self._slot(call_id)
        if slot is not None and slot.call is not None and not slot.ended:
            self._read_broken_audio(slot)
            slot.tap.sink = None  # what the buffer fills in while the far end answers the hang-up is no gap
            slot.call.hangup(pj.CallOpParam())

    # loop ---------------------------------------------------------------------------------------
    def run(self) -> None:
        self.send(Ready(len(self.slots), self.port))
        while self.running:
            self.endpoint.libHandleEvents(POLL_MS)
            while self.running and self.conn.poll():
                try:
                    command = self.conn.recv()
                except EOFError:  # the station is gone (killed): hang up our calls, then end
                    log.warning("the station that ran this SIP worker is gone: hanging up its calls")
                    self.running = False
                    break
                try:
                    self._dispatch(command)
                except pj.Error as exc:
                    # A command can race the call's end (PJSIP has already dropped its media); the
                    # other calls of this worker must not die with it.
                    failed = type(command).__name__
                    log.warning("%s failed: %s", failed, exc.info(), extra={"call_id": _call_of(command)})
            self._housekeeping()
        self._shutdown()

    def _dispatch(self, command: Command) -> None:
        match command:
            case Originate(dial):
                self.originate(dial)
            case Play(call_id, wav, prompt):
                self.play(call_id, wav, prompt)
            case StopPlaying(call_id):
                self.stop_playing(call_id)
            case Hangup(call_id):
                self.hangup(call_id)
            case Bridge(call_id, agent_leg):
                self.bridge(call_id, agent_leg)
            case Relay(call_id, peer_port, announce_as):
                self.relay(call_id, peer_port, announce_as)
            case Unbridge(call_id):
                self.unbridge(call_id)
            case Monitor(leg, call_id, whisper):
                self.monitor(leg, call_id, whisper)
            case Shutdown():
                self.running = False

    def _housekeeping(self) -> None:
        self.retired_calls.sweep()
        now = time.monotonic()
        for slot in self.slots:
            if slot.dial is None:
                continue
            if not slot.answered and not slot.ended and not slot.timed_out and now > slot.deadline:
                slot.timed_out = True
                slot.call.hangup(pj.CallOpParam())
            if slot.retired_players:
                slot.retired_players.clear()
            if slot.tap.sink is not None and now - slot.broken_read_at >= READ_EVERY_MS / 1000:
                slot.broken_read_at = now
                self._read_broken_audio(slot)
            if slot.ended:
                self._release(slot)

    def _release(self, slot: Slot) -> None:
        # The call has ended, so its port has left the bridge with every connection to it: there is
        # nothing to stop (asking PJSIP to raises an error). Dropping the player here, in the loop's
        # registered thread, destroys it.
        call_id, report = slot.dial.call_id, slot.end_report
        if slot.dial.listen and slot.audio_index >= 0:  # before "ended": the dialer still knows the call
            broken = slot.broken
            self.send(AudioGaps(call_id, broken.concealed_ms, broken.missing_ms, broken.longest_ms))
        for supervisor in self.slots:
            if supervisor.monitoring is slot:  # the call is over: so is listening to it
                supervisor.monitoring = None
                self.hangup(supervisor.dial.call_id)
        slot.monitoring, slot.whispering = None, False
        if slot.call is not None:
            self.retired_calls.add(slot.call)  # another slot's new call may already hold its call id
        slot.player = slot.media = slot.call = slot.asr = slot.dial = slot.end_report = None
        if report is not None:
            # Only now: the dialer counts the line free when it hears the call ended, and may dial on it at once.
            self.send(CallEnded(call_id, *report))

    @staticmethod
    def _read_broken_audio(slot: Slot) -> None:
        """Frames the jitter buffer filled in so far (empty when one was due, or lost), and audio the bridge skipped.

        Read as the call goes on and before our own hang-up, never once it has ended: between the far end's last
        packet and the end the buffer runs empty, which is no gap in what the callee said.
        """
        if slot.call is None or slot.audio_index < 0:
            return
        try:
            jitter = slot.call.getStreamStat(slot.audio_index).jbuf
        except pj.Error:  # the stream is already gone: the last reading stands
            return
        concealed_ms = (jitter.empty + jitter.lost) * FRAME_USEC // 1000
        slot.broken.read(concealed_ms, slot.tap.arrivals.missing_ms())

    def _slot(self, call_id: str) -> Slot | None:
        return next((s for s in self.slots if s.dial is not None and s.dial.call_id == call_id), None)

    def _account_for(self, dial: Dial) -> Any:
        account = self.accounts.get(dial.caller_number)
        if account is None:
            self._forget_idle_accounts()
            config = pj.AccountConfig()
            name = f'"{dial.caller_name}" ' if dial.caller_name else ""
            config.idUri = f"{name}<sip:{dial.caller_number}@{self.settings.host}>"
            trunk = self.settings.trunk or {}
            if trunk.get("username"):
                config.sipConfig.authCreds.append(
                    pj.AuthCredInfo("digest", "*", trunk["username"], 0, trunk.get("password") or "")
                )
            account = pj.Account()
            account.create(config)
            self.accounts[dial.caller_number] = account
        return account

    def _forget_idle_accounts(self) -> None:
        """Make room for one more account: the library aborts the process past its compiled-in limit."""
        if len(self.accounts) < MAX_ACCOUNTS:
            return
        in_use = {slot.dial.caller_number for slot in self.slots if slot.dial is not None}
        for number in [n for n in self.accounts if n not in in_use]:
            self.accounts.pop(number).shutdown()

    def _shutdown(self) -> None:
        for slot in self.slots:
            if slot.call is not None and not slot.ended:
                slot.call.hangup(pj.CallOpParam())
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and any(s.call is not None and not s.ended for s in self.slots):
            self.endpoint.libHandleEvents(POLL_MS)
        for slot in self.slots:
            if slot.dial is not None and slot.ended:
                self._release(slot)
            slot.tap.sink = None
            slot.relay.close()
        # No libDestroy: in this wheel it trips a conference assertion while freeing ports, and the
        # process ends right after (run_worker exits without Python's teardown); the OS frees the rest.


def _call_of(command: Command) -> str:
    """The call a command is addressed to (a supervisor's leg for `Monitor`), for the log."""
    if isinstance(command, Originate):
        return command.dial.call_id
    if isinstance(command, Monitor):
        return command.leg
    return getattr(command, "call_id", "")


def run_worker(conn: Connection, settings: WorkerSettings) -> None:
    """Process entry point."""
    silence_native_stdout()
    setup_logging(settings.log_level)
    # Before the endpoint starts its media threads: they take the scheduling of the thread that starts them.
    take_realtime_priority(settings.realtime_priority, "a SIP worker")
    worker = Worker(conn, settings)
    try:
        worker.run()
    finally:
        conn.close()
    # Python's own teardown would free leftover PJSUA2 wrappers after libDestroy, which aborts.
    os._exit(0)
