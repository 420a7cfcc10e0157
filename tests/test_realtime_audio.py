"""A busy node never holds a call's audio back: the SIP workers, every thread of them, and the threads playing
prompts to Asterisk are scheduled in real time (round-robin at `sip.realtime_priority`, `asterisk.realtime_priority`);
a process without the right to it keeps ordinary scheduling and says what it lacks."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from dialer.telephony.pjsua2.engine import Pjsua2Engine
from tests.helpers import ROOT, FramesHeard, call_stream, dialling_config, thread_ids
from tierdial.ports import free_port, free_udp_port


def _scheduling(tid: int) -> tuple[int, int]:
    return os.sched_getscheduler(tid), os.sched_getparam(tid).sched_priority


def _realtime_allowed(priority: int) -> bool:
    take = f"import os; os.sched_setscheduler(0, os.SCHED_RR, os.sched_param({priority}))"
    return subprocess.run([sys.executable, "-c", take], capture_output=True, timeout=30).returncode == 0


# What the product does with the right to real-time priority can only be seen where a process here has it.
needs_realtime = pytest.mark.skipif(
    not _realtime_allowed(7), reason="no process here may take real-time priority (no CAP_SYS_NICE, RLIMIT_RTPRIO 0)"
)


@pytest.mark.parametrize("priority", [pytest.param(7, marks=needs_realtime), 0])
def test_sip_workers_run_every_thread_at_the_configured_realtime_priority(priority: int) -> None:
    config = dialling_config(free_udp_port(), workers=2, sip={"workers": 2, "realtime_priority": priority})
    engine = Pjsua2Engine(config, lambda event: None, ("127.0.0.1", free_port()))  # no call: no audio to send
    engine.start()
    try:
        assert len(engine.worker_pids) == 2
        for pid in engine.worker_pids:
            tids = thread_ids(pid)
            threads = {_scheduling(tid) for tid in tids}
            # The media threads (RTP, the bridge's clock) start with the endpoint, after the priority is taken.
            assert len(tids) > 1
            if priority:
                # PJSIP raises its media clock's thread to the top of the policy it inherits.
                assert {policy for policy, _ in threads} == {os.SCHED_RR}, threads
                assert min(level for _, level in threads) == priority, threads
            else:
                assert threads == {(os.SCHED_OTHER, 0)}
    finally:
        engine.stop()


def test_without_the_right_a_process_keeps_ordinary_scheduling_and_says_what_it_lacks() -> None:
    probe = (
        "import logging, os; logging.basicConfig(); "
        "from dialer.telephony.realtime import take_realtime_priority; "
        "print(take_realtime_priority(10, 'a SIP worker'), os.sched_getscheduler(0) == os.SCHED_OTHER)"
    )
    # Root's right to real-time scheduling is CAP_SYS_NICE: without it (and with RLIMIT_RTPRIO 0) it is refused.
    drop = ["setpriv", "--inh-caps=-sys_nice", "--bounding-set=-sys_nice"] if os.geteuid() == 0 else []
    result = subprocess.run(
        [*drop, "prlimit", "--rtprio=0", sys.executable, "-c", probe],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert result.stdout.split() == ["False", "True"]
    assert "a SIP worker runs at ordinary priority" in result.stderr and "CAP_SYS_NICE" in result.stderr


@needs_realtime
def test_prompts_to_asterisk_are_played_by_a_process_all_in_real_time() -> None:
    finished = threading.Event()
    with call_stream(realtime_priority=7) as (taps, asterisk):
        assert taps.play("call", bytes(32000), finished.set, wait=1)
        player = taps.player.pid
        assert player is not None and player != os.getpid()
        # While it plays: the player's every thread, the one pacing this prompt among them.
        assert {_scheduling(tid) for tid in thread_ids(player)} == {(os.SCHED_RR, 7)}
        assert finished.wait(10)
        frames = FramesHeard(asterisk).until(lambda frames: len(frames) >= 50)
        assert frames == [bytes(640)] * 50  # all of it, 20 ms a frame
    assert not os.path.exists(f"/proc/{player}"), "the player ends with its server"
