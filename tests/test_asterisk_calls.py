"""AMI events become the engine's messages: fed recorded events, no Asterisk needed."""

from __future__ import annotations

import pytest

from dialer.telephony.asterisk.calls import CallTracker, originate_action
from dialer.telephony.engine import Dial
from tierdial.messages import Answered, CallEnded, MachineDetected, Ringing

pytestmark = pytest.mark.realtime


def _events(call_id: str, *steps: tuple[str, dict[str, str]]) -> list[dict[str, str]]:
    return [{"Event": kind, "Uniqueid": call_id, **fields} for kind, fields in steps]


def _follow(events: list[dict[str, str]], *call_ids: str) -> list[object]:
    tracker = CallTracker()
    for call_id in call_ids:
        tracker.placed(call_id)
    return [message for event in events for message in tracker.on_event(event)]


def test_originate_carries_the_call_id_the_caller_number_and_the_ring_time() -> None:
    dial = Dial("c-1", "sip:+821012345678@127.0.0.1:5070", "+8225550100", "Acme", 20)
    action = originate_action(dial, "trunk", "x", "8d3e-stream", "127.0.0.1:4000")
    assert action["ChannelId"] == "c-1" and action["ActionID"] == "originate-c-1"
    assert action["Channel"] == "PJSIP/trunk/sip:+821012345678@127.0.0.1:5070"
    assert action["CallerID"] == '"Acme" <+8225550100>' and action["Timeout"] == "20000"
    assert "TIERDIAL_STREAM=8d3e-stream" in action["Variable"] and "TIERDIAL_TAP=127.0.0.1:4000" in action["Variable"]


def test_an_answered_call_rings_answers_and_ends_once() -> None:
    events = _events(
        "c-1",
        ("Newchannel", {"ChannelState": "0", "Channel": "PJSIP/trunk-00000001"}),
        ("Newstate", {"ChannelState": "5"}),
        ("Newstate", {"ChannelState": "5"}),
        ("Newstate", {"ChannelState": "6"}),
        ("Hangup", {"Cause": "16", "Cause-txt": "Normal Clearing"}),
        ("Hangup", {"Cause": "16"}),
    )
    events.append({"Event": "OriginateResponse", "ActionID": "originate-c-1", "Reason": "4"})
    tracker = CallTracker()
    tracker.placed("c-1")
    tracker.on_event(events[0])
    assert tracker.channel_of("c-1") == "PJSIP/trunk-00000001"
    assert _follow(events, "c-1") == [
        Ringing("c-1"),
        Answered("c-1"),
        CallEnded("c-1", "answered", 200, "Normal Clearing"),
    ]


def test_busy_no_answer_and_congestion_come_from_the_hangup_cause() -> None:
    events = []
    for call_id, cause in (("busy", "17"), ("silent", "19"), ("full", "34")):
        events += _events(call_id, ("Newchannel", {}), ("Hangup", {"Cause": cause, "Cause-txt": "t"}))
        # Asterisk says reason 0 for all of these; the cause is what tells them apart.
        events.append({"Event": "OriginateResponse", "ActionID": f"originate-{call_id}", "Reason": "0"})
    assert _follow(events, "busy", "silent", "full") == [
        CallEnded("busy", "busy", 486, "t"),
        CallEnded("silent", "no_answer", 480, "t"),
        CallEnded("full", "failed", 503, "t"),
    ]


def test_a_dial_that_never_got_a_channel_ends_on_its_originate_response() -> None:
    event = {"Event": "OriginateResponse", "ActionID": "originate-c-9", "Reason": "0", "Uniqueid": "<null>"}
    assert _follow([event], "c-9") == [CallEnded("c-9", "failed", 0, "not placed")]


def test_events_of_channels_tierdial_did_not_place_are_ignored() -> None:
    assert _follow(_events("someone-else", ("Newstate", {"ChannelState": "6"}), ("Hangup", {})), "c-1") == []


def test_after_a_reconnect_live_calls_stay_and_calls_that_ended_meanwhile_end_once() -> None:
    tracker = CallTracker()
    for call_id in ("up", "gone", "ringing"):
        tracker.placed(call_id)
        tracker.on_event({"Event": "Newchannel", "Uniqueid": call_id, "Channel": f"PJSIP/trunk-{call_id}"})
    tracker.on_event({"Event": "Newstate", "Uniqueid": "gone", "ChannelState": "6"})
    tracker.placed("no-channel-yet", now=99.0)  # its dial is still being set up: kept
    mark = tracker.mark()
    tracker.placed("placed-during-resync")  # not in the list Asterisk sent: it did not exist yet
    channels = [
        {"Event": "CoreShowChannel", "Uniqueid": "up", "Channel": "PJSIP/trunk-up", "ChannelState": "6"},
        {"Event": "CoreShowChannel", "Uniqueid": "ringing", "Channel": "PJSIP/trunk-ringing", "ChannelState": "5"},
        {"Event": "CoreShowChannel", "Uniqueid": "not-ours", "Channel": "PJSIP/agent-1", "ChannelState": "6"},
    ]
    assert tracker.resync(channels, mark, now=100.0) == [
        Answered("up"),  # answered while the link was down
        CallEnded("gone", "answered", 200, "ended while the AMI link was down"),
        Ringing("ringing"),
    ]
    assert sorted(tracker.live()) == ["no-channel-yet", "placed-during-resync", "ringing", "up"]
    lost = "ended while the AMI link was down"
    assert tracker.resync(channels, tracker.mark(), now=200.0) == [
        CallEnded("no-channel-yet", "failed", 0, lost),  # no channel long after its dial: lost with the link
        CallEnded("placed-during-resync", "failed", 0, lost),
    ]
    assert tracker.on_event({"Event": "Hangup", "Uniqueid": "gone", "Cause": "16"}) == []  # no second end


def _amd(call_id: str, status: str, cause: str) -> dict[str, str]:
    return {"Event": "UserEvent", "UserEvent": "TierdialAmd", "CallId": call_id, "Status": status, "Cause": cause}


def test_machine_detection_reports_machines_and_never_a_person_waiting_in_silence() -> None:
    events = [
        _amd("vm", "MACHINE", "LONGGREETING-2100-1500"),
        _amd("quiet", "MACHINE", "INITIALSILENCE-1500-1500"),  # a person waiting for the bot to speak
        _amd("hello", "HUMAN", "HUMAN-1-0"),
        _amd("unsure", "NOTSURE", "TOOLONG-3000"),
        _amd("someone-else", "MACHINE", "MAXWORDS-4-3"),  # not a call tierdial placed
    ]
    assert _follow(events, "vm", "quiet", "hello", "unsure") == [MachineDetected("vm", "LONGGREETING-2100-1500")]


def test_an_agents_registered_phone_is_dialled_by_its_endpoint_name() -> None:
    leg = originate_action(Dial("agent-a1", "agent1", "tierdial"), "sim", "", "", "")
    assert leg["Channel"] == "PJSIP/agent1"
