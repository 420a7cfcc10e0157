"""The Asterisk engine against a real Asterisk 22 (the sandbox in a chroot) and real SIP callees (sipp)."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dialer.telephony.asterisk.ami import AmiAddress, AmiClient
from dialer.telephony.asterisk.calls import CallTracker, originate_action
from dialer.telephony.asterisk.confgen import ANSWERED_CONTEXT, TRUNK, asterisk_files
from dialer.telephony.asterisk.follower import CallFollower
from dialer.telephony.asterisk.sandbox import AsteriskSandbox, SandboxPorts, ensure_root
from dialer.telephony.engine import Dial
from tests.helpers import free_port, free_udp_port, free_udp_range
from tierdial.messages import Answered, CallEnded, Ringing

SCENARIOS = Path(__file__).parent / "sipp"
pytestmark = pytest.mark.asterisk


@pytest.fixture(scope="module")
def asterisk() -> Iterator[tuple[AsteriskSandbox, AmiAddress]]:
    if shutil.which("sipp") is None:
        pytest.fail("sipp is missing: run scripts/setup.sh --test (installs sip-tester)")
    if os.geteuid() != 0 and shutil.which("sudo") is None:
        pytest.fail("the sandbox Asterisk needs root or sudo (debootstrap, chroot)")
    ami = AmiAddress("127.0.0.1", free_port(), "tierdial", "test-secret")
    rtp = free_udp_range(40)
    ports = SandboxPorts(ami=ami.port, sip=free_udp_port(), rtp_start=rtp, rtp_end=rtp + 39)
    with AsteriskSandbox(ensure_root(), ports, asterisk_files(ami, "127.0.0.1", ports.sip)) as sandbox:
        yield sandbox, ami


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
    scenario = SCENARIOS / f"callee_{behaviour}.xml"
    command = ["sipp", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(port), "-m", "1", "-nostdin"]
    callees.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return f"sip:+821012345678@127.0.0.1:{port}"


def test_originate_reports_answered_busy_congestion_and_no_answer(asterisk, callees) -> None:  # type: ignore[no-untyped-def]
    _, address = asterisk
    tracker, messages = CallTracker(), queue.Queue()

    def on_event(event: dict[str, str]) -> None:
        for message in tracker.on_event(event):
            messages.put(message)

    ami = AmiClient(address, on_event).start()
    try:
        behaviours = ("answers", "busy", "congested", "never_answers")
        for behaviour in behaviours:
            dial = Dial(behaviour, _callee(callees, behaviour), "+8225550100", "Acme", ring_timeout_seconds=3)
            tracker.placed(dial.call_id)
            ami.action(originate_action(dial, TRUNK, ANSWERED_CONTEXT), as_list=False)
        seen: dict[str, list[object]] = {b: [] for b in behaviours}
        while not isinstance((m := messages.get(timeout=15)), Answered):
            seen[m.call_id].append(m)
        seen["answers"].append(m)
        ami.action({"Action": "Hangup", "Channel": tracker.channel_of("answers"), "Cause": "16"})
        while sum(isinstance(x, CallEnded) for ms in seen.values() for x in ms) < len(behaviours):
            m = messages.get(timeout=15)
            seen[m.call_id].append(m)
    finally:
        ami.stop()
    assert seen["answers"][:2] == [Ringing("answers"), Answered("answers")]
    ends = {call_id: next(m for m in ms if isinstance(m, CallEnded)) for call_id, ms in seen.items()}
    assert {call_id: (end.outcome, end.sip_status) for call_id, end in ends.items()} == {
        "answers": ("answered", 200),
        "busy": ("busy", 486),
        "congested": ("failed", 503),
        "never_answers": ("no_answer", 480),
    }
    assert Ringing("never_answers") in seen["never_answers"]


def test_calls_are_resynchronised_after_the_ami_link_drops(asterisk, callees) -> None:  # type: ignore[no-untyped-def]
    sandbox, address = asterisk
    messages: queue.Queue[object] = queue.Queue()
    follower = CallFollower(address, messages.put, TRUNK, ANSWERED_CONTEXT).start()
    try:
        for call_id in ("stays", "ends-meanwhile"):
            follower.originate(Dial(call_id, _callee(callees, "answers"), "+8225550100", "Acme"))
        answered = set()
        while len(answered) < 2:
            if isinstance(m := messages.get(timeout=15), Answered):
                answered.add(m.call_id)
        channel = follower.channel_of("ends-meanwhile")
        follower.ami.drop_connection()  # as if the network dropped it
        assert not follower.ami.connected
        assert "requested" in sandbox.cli(f"channel request hangup {channel}").lower()
        assert follower.ami.wait_connected(15)
        assert messages.get(timeout=10) == CallEnded(
            "ends-meanwhile", "answered", 200, "ended while the AMI link was down"
        )
        assert follower.live() == ["stays"]
        follower.hangup("stays")
        ended = messages.get(timeout=10)
        assert isinstance(ended, CallEnded) and ended.call_id == "stays" and ended.outcome == "answered"
        time.sleep(0.5)
        assert messages.empty() and follower.live() == []  # each call ended exactly once
    finally:
        follower.stop()
