"""The calls tierdial placed through Asterisk, followed over AMI and resynchronised after every reconnect.

It places calls and agents' legs, plays prompts into calls (over their AudioSocket
streams), takes calls over and reports what happens as messages; `AsteriskEngine`
puts the engine interface in front of it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from pathlib import Path

from asr.audio import ToModelRate, read_wav
from dialer.telephony.asterisk.ami import AmiAddress, AmiClient, AmiError
from dialer.telephony.asterisk.calls import CallTracker, originate_action
from dialer.telephony.asterisk.confgen import AGENT_HOLD_CONTEXT, LISTEN_CONTEXT, TAKEOVER_CONTEXT
from dialer.telephony.asterisk.tap_server import TapServer
from dialer.telephony.engine import Dial, EventSink
from tierdial.messages import Answered, Bridged, CallEnded, Monitoring, PromptFinished

log = logging.getLogger(__name__)

NO_SUCH_CHANNEL = "No such channel"  # Asterisk's answer to an action on a channel that is gone


class CallFollower:
    def __init__(
        self,
        address: AmiAddress,
        on_message: EventSink,
        taps: TapServer,
        context: str,
        trunk: str | None = None,
    ) -> None:
        """`trunk`: the endpoint every call goes out through; None: each dial's own trunk (endpoints named after
        config.yaml's trunks, as the generated pjsip.conf has them)."""
        self.taps, self.trunk, self.context = taps, trunk, context
        self._on_message = on_message
        self._tracker = CallTracker()
        self._lock = threading.Lock()  # events, originates and resyncs change the tracker from different threads
        self._logged_in_before = False
        self._bridged: dict[str, str] = {}  # a call or an agent's leg -> the agent's leg it is bridged with
        self._monitors: dict[str, tuple[str, bool]] = {}  # a supervisor's leg -> (the call it hears, whisper)
        self.ami = AmiClient(address, self._event, on_login=self._resync)

    def start(self, timeout: float = 10) -> CallFollower:
        self.ami.start(timeout)
        return self

    def stop(self) -> None:
        self.ami.stop()

    def originate(self, dial: Dial) -> None:
        with self._lock:
            self._tracker.placed(dial.call_id, time.monotonic())
        stream = str(uuid.uuid4())
        self.taps.expect(stream, dial.call_id, dial.language)
        try:
            endpoint = self.trunk or dial.trunk
            self.ami.action(originate_action(dial, endpoint, self.context, stream, self.taps.address), as_list=False)
        except AmiError as exc:
            with self._lock:
                self._tracker.calls.pop(dial.call_id, None)
            self._on_message(CallEnded(dial.call_id, "failed", 0, str(exc)))

    def connect_agent(self, phone: str, leg: str, endpoint: str = "") -> str:
        """Call the agent's phone and keep the leg, called `leg`, up and waiting for the shift; returns `leg`.

        `phone`: the name of the endpoint the agent's phone registers to, or a SIP URI reached through
        `endpoint` (or the follower's trunk)."""
        with self._lock:
            self._tracker.placed(leg, time.monotonic())
        dial = Dial(leg, phone, "tierdial", "tierdial", 60, listen=False)
        action = originate_action(dial, self.trunk or endpoint, "", "", "")
        action.update(Context=AGENT_HOLD_CONTEXT)
        action["Variable"] = [f"TIERDIAL_CALL_ID={leg}"]
        self.ami.action(action, as_list=False)
        return leg

    def bridge(self, call_id: str, agent_leg: str) -> None:
        """The agent hears the callee and talks to the callee; the callee's transcription goes on."""
        callee, agent = self.channel_of(call_id), self.channel_of(agent_leg)
        if callee is None or agent is None:
            raise AmiError(
                f"cannot bridge {call_id} and {agent_leg}: {'call' if callee is None else 'agent leg'} is not up"
            )
        self.stop_playing(call_id)  # the bot falls silent
        self.ami.action({"Action": "Setvar", "Channel": agent, "Variable": "TIERDIAL_CALLEE", "Value": callee})
        self.ami.action({"Action": "Redirect", "Channel": agent, "Context": TAKEOVER_CONTEXT, "Exten": "s",
                         "Priority": "1"})  # fmt: skip
        with self._lock:
            self._bridged[call_id], self._bridged[agent_leg] = agent_leg, agent_leg
            listening = [leg for leg, (heard, _) in self._monitors.items() if heard == call_id]
        for leg in listening:  # a supervisor already listening now hears the agent too
            self._spy_on(leg, agent)
        self._on_message(Bridged(call_id, agent_leg))

    def _spy_on(self, leg: str, spied: str) -> None:
        """Move a supervisor's listening leg onto another channel: its ChanSpy ends and starts again there."""
        if (channel := self.channel_of(leg)) is None:
            return  # still ringing: it spies on the channel it was given, once answered
        self.ami.action({"Action": "Setvar", "Channel": channel, "Variable": "TIERDIAL_SPIED", "Value": spied})
        self.ami.action({"Action": "Redirect", "Channel": channel, "Context": LISTEN_CONTEXT, "Exten": "s",
                         "Priority": "1"})  # fmt: skip

    def listen_in(self, call_id: str, leg: str, phone: str, whisper: bool, endpoint: str = "") -> None:
        """Ring a supervisor's phone as `leg` and let it spy on the call with ChanSpy: on the agent's channel once
        the call is taken over (the supervisor hears both sides, and with `whisper` talks to the agent alone),
        else on the callee's channel (the callee and the bot) until a takeover moves it to the agent's."""
        with self._lock:
            agent_leg = self._bridged.get(call_id)
        spied = self.channel_of(agent_leg) if agent_leg else self.channel_of(call_id)
        if spied is None:
            raise AmiError("the call is not up")
        if whisper and agent_leg is None:
            raise AmiError("whispering is to the agent, and no agent is on this call")
        with self._lock:
            self._tracker.placed(leg, time.monotonic())
            self._monitors[leg] = (call_id, whisper)
        dial = Dial(leg, phone, "tierdial", "tierdial listen-in", 60, listen=False)
        action = originate_action(dial, self.trunk or endpoint, LISTEN_CONTEXT, "", "")
        action["Variable"] = [f"TIERDIAL_CALL_ID={leg}", f"TIERDIAL_SPIED={spied}",
                              f"TIERDIAL_SPY_OPTIONS={'w' if whisper else ''}"]  # fmt: skip
        try:
            self.ami.action(action, as_list=False)
        except AmiError:
            with self._lock:
                self._tracker.calls.pop(leg, None)
                self._monitors.pop(leg, None)
            raise

    def unbridge(self, call_or_leg: str) -> None:
        """The agent's leg goes back to waiting; the call, if still up, stays with tierdial."""
        with self._lock:
            agent_leg = self._bridged.pop(call_or_leg, None)
            for key in [k for k, leg in self._bridged.items() if leg == agent_leg]:
                del self._bridged[key]
        if agent_leg and (agent := self.channel_of(agent_leg)):
            self.ami.action({"Action": "Redirect", "Channel": agent, "Context": AGENT_HOLD_CONTEXT, "Exten": "s",
                             "Priority": "2"})  # fmt: skip

    def play(self, call_id: str, wav: Path, prompt: str = "") -> None:
        """Play a 16-bit mono WAV into the call; PromptFinished follows when it has all been played."""
        recording = read_wav(wav)
        pcm = ToModelRate(recording.sample_rate).convert(recording.pcm, last=True)
        finished = PromptFinished(call_id, prompt)
        if not self.taps.play(call_id, pcm, lambda: self._on_message(finished)):
            log.warning("prompt %s not played: the call has no audio stream", prompt, extra={"call_id": call_id})

    def stop_playing(self, call_id: str) -> None:
        self.taps.stop_playing(call_id)

    def channel_of(self, call_id: str) -> str | None:
        """Asterisk's name for the call's channel, once it has one."""
        with self._lock:
            return self._tracker.channel_of(call_id)

    def hangup(self, call_id: str) -> None:
        if channel := self.channel_of(call_id):
            try:
                self.ami.action({"Action": "Hangup", "Channel": channel, "Cause": "16"})
            except AmiError as exc:
                # It ended before the action arrived (its far end hung up, or it was a leg bridged or listening
                # to a call that ended): what was asked is done, and its end is on its way as events.
                if not str(exc).endswith(NO_SUCH_CHANNEL):
                    raise

    def live(self) -> list[str]:
        with self._lock:
            return self._tracker.live()

    def _event(self, event: dict[str, str]) -> None:
        with self._lock:
            messages = self._tracker.on_event(event)
            for message in list(messages):
                monitor = self._monitors.get(message.call_id)
                if monitor is not None and isinstance(message, Answered):
                    messages.append(Monitoring(monitor[0], message.call_id, monitor[1]))
                elif monitor is not None and isinstance(message, CallEnded):
                    del self._monitors[message.call_id]
        for message in messages:
            self._on_message(message)

    def _resync(self) -> None:
        if not self._logged_in_before:
            self._logged_in_before = True  # the first login: no event could have been missed yet
            return
        with self._lock:
            mark = self._tracker.mark()
        try:
            channels = self.ami.action({"Action": "CoreShowChannels"}, as_list=True)
        except AmiError:
            log.exception("could not list Asterisk's channels after a reconnect")
            return
        with self._lock:
            messages = self._tracker.resync(channels, mark, time.monotonic())
        log.info("AMI resynchronised: %d calls live, %d changes", len(self.live()), len(messages))
        for message in messages:
            self._on_message(message)
