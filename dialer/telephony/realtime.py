"""Real-time scheduling for what carries calls' audio: the SIP workers, the threads playing prompts to Asterisk.

A SIP process sends and receives a 20 ms frame per call leg on a clock. At ordinary
priority, a busy node (a burst of process starts is enough) can hold one of its threads
off the CPU for tens of milliseconds: the frames it should have sent arrive together, the
far end's jitter buffer runs dry and conceals, and a listener hears a gap. Round-robin
real-time threads preempt ordinary ones at once, as a PBX's media threads do. The kernel
still keeps 5 % of each second for ordinary work, so a runaway cannot freeze the machine.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)
_warned: set[str] = set()  # what has said it lacks the right: once is enough


def take_realtime_priority(priority: int, process: str, warn: bool = True) -> bool:
    """Schedule the calling thread, and every thread it starts afterwards, round-robin at real-time `priority`
    (1-99; 0 leaves scheduling alone). Without the right (CAP_SYS_NICE, or an RLIMIT_RTPRIO of at least
    `priority`) it carries on at ordinary priority and, if `warn`, says so the first time for `process`."""
    if priority == 0:
        return False
    try:
        os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(priority))
    except PermissionError:
        if warn:
            warn_ordinary_priority(priority, process)
        return False
    return True


def warn_ordinary_priority(priority: int, process: str) -> None:
    """Says, the first time for `process`, that it was refused real-time `priority` and what it lacks."""
    if process in _warned:
        return
    _warned.add(process)
    log.warning(
        "%s runs at ordinary priority: real-time priority %d needs CAP_SYS_NICE or an RLIMIT_RTPRIO of at "
        "least %d (see the README's \"Real-time audio\"); on a busy node its calls' audio may break up",
        process, priority, priority,
    )  # fmt: skip
