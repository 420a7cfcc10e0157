"""The embedded engine's pipe to its SIP workers: every command and reply crosses it whole."""

from __future__ import annotations

import multiprocessing

import pytest

from asr.client import AsrAudio
from dialer.telephony.engine import Dial
from dialer.telephony.pjsua2 import protocol as p
from tierdial.messages import CallEnded, FinalTranscript, Monitoring, Word

pytestmark = pytest.mark.realtime


def test_commands_and_replies_cross_the_pipe_unchanged() -> None:
    dial = Dial("c1", "sip:callee@127.0.0.1:5062", "+8225550100", "Acme", 30, listen=True, trunk="main")
    sent = [
        p.WorkerSettings("127.0.0.1", AsrAudio("127.0.0.1", 7000), {"username": "u", "password": "pw"}, "INFO", 10),
        p.Originate(dial),
        p.Play("c1", "/tmp/hello.wav", "opening"),
        p.StopPlaying("c1"),
        p.Hangup("c1"),
        p.Bridge("c1", "agent-ann-1"),
        p.Relay("c1", 40000, "agent-ann-1"),
        p.Unbridge("c1"),
        p.Monitor("agent-sam-listen-1", "c1", True),
        p.Shutdown(),
        p.Ready(4, 5060),
        p.MediaUp("c1", "G722", 40002),
        Monitoring("c1", "agent-sam-listen-1", True),
        FinalTranscript("c1", "네", 0, 400, (Word("네", 0, 400, 0.9),)),
        CallEnded("c1", "answered", 200, "Normal call clearing"),
    ]
    parent, child = multiprocessing.Pipe()
    for item in sent:
        parent.send(item)
    assert [child.recv() for _ in sent] == sent
