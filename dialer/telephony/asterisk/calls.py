"""From AMI events to the engine's messages, for the calls tierdial placed. Pure: tested by feeding events.

tierdial originates each call with `ChannelId` set to its call id, so every event of the
callee's channel carries the call id as its `Uniqueid`, after a reconnect too, and
`CoreShowChannels` lists live calls under the same id.
"""

from __future__ import annotations

from dataclasses import dataclass

from dialer.telephony.asterisk.confgen import AMD_EVENT
from dialer.telephony.engine import Dial, EngineEvent
from tierdial.messages import Answered, CallEnded, MachineDetected, Ringing

ORIGINATE_PREFIX = "originate-"
RINGING, UP = "5", "6"  # AMI ChannelState values
# OriginateResponse reasons, for a dial that never got a channel: (outcome, SIP status, words)
NOT_UP = {
    "0": ("failed", 0, "not placed"),
    "1": ("no_answer", 487, "hung up while ringing"),
    "3": ("no_answer", 408, "no answer"),
    "5": ("busy", 486, "busy"),
    "8": ("failed", 503, "congestion"),
}
# Q.850 causes of a Hangup before answer: (outcome, SIP status)
CAUSES = {"17": ("busy", 486), "18": ("no_answer", 408), "19": ("no_answer", 480), "21": ("failed", 603),
          "34": ("failed", 503), "38": ("failed", 503), "41": ("failed", 503), "42": ("failed", 503),
          "1": ("failed", 404), "3": ("failed", 404)}  # fmt: skip


def dial_string(endpoint: str, destination: str) -> str:
    """A PJSIP dial string: a SIP URI through the endpoint's settings, or a bare name for an endpoint's own
    registered contact (an agent's phone)."""
    return f"PJSIP/{endpoint}/{destination}" if destination.startswith(("sip:", "sips:")) else f"PJSIP/{destination}"


def machine_verdict(event: dict[str, str]) -> MachineDetected | None:
    """What the dialplan's answering-machine detection reported, if it heard a machine.

    Silence on answer is not a machine here: a person is waiting for the bot to speak (app_amd calls it
    MACHINE/INITIALSILENCE). NOTSURE and HUMAN mean a person as well.
    """
    if event.get("Status") != "MACHINE" or event.get("Cause", "").startswith("INITIALSILENCE"):
        return None
    return MachineDetected(event.get("CallId", ""), event.get("Cause", ""))


def originate_action(dial: Dial, trunk: str, context: str, stream: str, tap_address: str) -> dict[str, str | list[str]]:
    """The AMI Originate of one dial: asynchronous, the call id as the channel's id, the caller number shown;
    once answered the call streams to the AudioSocket server at `tap_address` under the UUID `stream`."""
    return {
        "Action": "Originate",
        "ActionID": ORIGINATE_PREFIX + dial.call_id,
        "Channel": dial_string(trunk, dial.destination),  # the trunk's endpoint settings, the dial's own URI
        "ChannelId": dial.call_id,
        "Context": context,
        "Exten": "s",
        "Priority": "1",
        "Async": "true",
        "Timeout": str(dial.ring_timeout_seconds * 1000),
        "CallerID": f'"{dial.caller_name}" <{dial.caller_number}>' if dial.caller_name else dial.caller_number,
        "Variable": [f"TIERDIAL_CALL_ID={dial.call_id}", f"TIERDIAL_STREAM={stream}", f"TIERDIAL_TAP={tap_address}"],
    }


CHANNEL_GRACE_SECONDS = 5.0  # Asterisk gives a dial its channel within milliseconds; one without it this long was lost


@dataclass
class _Call:
    serial: int  # the order calls were placed in
    placed_at: float  # monotonic seconds
    channel: str = ""  # Asterisk's name for the callee's channel, e.g. PJSIP/trunk-00000001
    has_channel: bool = False
    rang: bool = False
    up: bool = False


class CallTracker:
    """Follows the calls placed through `originate_action`; `on_event` returns the messages an event means."""

    def __init__(self) -> None:
        self.calls: dict[str, _Call] = {}
        self.serial = 0

    def placed(self, call_id: str, now: float = 0.0) -> None:
        self.serial += 1
        self.calls[call_id] = _Call(self.serial, now)

    def mark(self) -> int:
        """Taken just before asking Asterisk for its channels: calls placed after it are not in the answer."""
        return self.serial + 1

    def resync(self, channels: list[dict[str, str]], mark: int, now: float = 0.0) -> list[EngineEvent]:
        """After a reconnect: what `CoreShowChannels` lists is live (with the state changes missed meanwhile);
        a call placed before `mark` that it does not list ended while events were not arriving, unless it may
        still be waiting for its channel."""
        live = {c.get("Uniqueid", ""): c for c in channels if c.get("Event") == "CoreShowChannel"}
        messages: list[EngineEvent] = []
        for call_id, call in list(self.calls.items()):
            if call.serial >= mark:
                continue
            snapshot = live.get(call_id)
            if snapshot is None and not call.has_channel and now - call.placed_at < CHANNEL_GRACE_SECONDS:
                continue
            if snapshot is None:
                del self.calls[call_id]
                ended = ("answered", 200) if call.up else ("failed", 0)
                messages.append(CallEnded(call_id, *ended, "ended while the AMI link was down"))
                continue
            call.has_channel, call.channel = True, snapshot.get("Channel", call.channel)
            messages += self._newstate(call_id, call, snapshot.get("ChannelState", ""))
        return messages

    def live(self) -> list[str]:
        return list(self.calls)

    def channel_of(self, call_id: str) -> str | None:
        call = self.calls.get(call_id)
        return call.channel if call and call.channel else None

    def on_event(self, event: dict[str, str]) -> list[EngineEvent]:
        kind = event.get("Event", "")
        if kind == "OriginateResponse":
            return self._originate_response(event)
        if kind == "UserEvent" and event.get("UserEvent") == AMD_EVENT:
            verdict = machine_verdict(event)
            return [verdict] if verdict and verdict.call_id in self.calls else []
        call_id = event.get("Uniqueid", "")
        call = self.calls.get(call_id)
        if call is None:
            return []
        if kind == "Newchannel":
            call.has_channel, call.channel = True, event.get("Channel", "")
            return []
        if kind == "Newstate":
            return self._newstate(call_id, call, event.get("ChannelState", ""))
        if kind == "Hangup":
            del self.calls[call_id]
            return [self._ended(call, event.get("Cause", "16"), event.get("Cause-txt", ""), call_id)]
        return []

    def _newstate(self, call_id: str, call: _Call, state: str) -> list[EngineEvent]:
        if state == RINGING and not call.rang:
            call.rang = True
            return [Ringing(call_id)]
        if state == UP and not call.up:
            call.up = True
            return [Answered(call_id)]
        return []

    def _originate_response(self, event: dict[str, str]) -> list[EngineEvent]:
        call_id = event.get("ActionID", "").removeprefix(ORIGINATE_PREFIX)
        call = self.calls.get(call_id)
        reason = event.get("Reason", "0")
        if call is None or reason == "4" or call.has_channel:
            return []  # a channel was made: its Hangup, with the cause, tells how the call ended
        del self.calls[call_id]
        outcome, status, words = NOT_UP.get(reason, NOT_UP["0"])
        return [CallEnded(call_id, outcome, status, words)]

    @staticmethod
    def _ended(call: _Call, cause: str, cause_text: str, call_id: str) -> CallEnded:
        if call.up:
            return CallEnded(call_id, "answered", 200, cause_text or "hung up")
        outcome, status = CAUSES.get(cause, ("no_answer" if call.rang else "failed", 487 if call.rang else 500))
        return CallEnded(call_id, outcome, status, cause_text or f"cause {cause}")
