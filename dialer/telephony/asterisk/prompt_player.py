"""Prompts into Asterisk's calls, paced by a process that does nothing else.

Asterisk plays what arrives on an AudioSocket connection the moment it arrives, so a prompt
must be sent 20 ms at a time on the clock. Paced from the station's own process, a frame
waited on the interpreter lock: a thread of ordinary priority holding it (a database read
of the dialer's, say) and put off the CPU by a busy machine held a real-time player back
for 170 ms, a gap the callee heard. Here every thread runs at the real-time priority and
none does anything but pace, so none holds another back. The station hands over a
duplicate of each call's connection with the audio to play; the player reports what it
finished, what it sent late, and a far end that stopped reading.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import reduction
from multiprocessing.connection import Connection

from asr import audiosocket as wire
from dialer.telephony.realtime import take_realtime_priority, warn_ordinary_priority
from tierdial.errors import UserError

log = logging.getLogger(__name__)

# Not imported from the audio module: it brings numpy, whose thread pool would start in this process before it
# takes its real-time priority, and so run at ordinary priority.
FRAME_MS = 20
FRAME_BYTES = wire.SAMPLE_RATES[wire.KIND_SLIN16] * FRAME_MS // 1000 * 2
START_TIMEOUT = 30.0
WHAT = "prompt playback to Asterisk"
_exiting = threading.Event()
# Before multiprocessing's own exit handler (registered earlier, so run later) ends the players still running: their
# end is then no fault to report.
atexit.register(_exiting.set)


@dataclass(frozen=True)
class Play:
    """Play `pcm` (16 kHz) into the connection sent right after this message."""

    play_id: int
    pcm: bytes


@dataclass(frozen=True)
class Stop:
    play_id: int


@dataclass(frozen=True)
class Quit:
    pass


@dataclass(frozen=True)
class Ready:
    realtime: bool


@dataclass(frozen=True)
class Finished:
    """All of a play was sent (a stopped play reports nothing)."""

    play_id: int


@dataclass(frozen=True)
class Late:
    play_id: int
    frames: int
    worst_ms: float


@dataclass(frozen=True)
class Deaf:
    """The far end stopped reading: the player shut the connection down, which ends its reader in the station."""

    play_id: int


Request = Play | Stop | Quit
Report = Ready | Finished | Late | Deaf


@dataclass
class _Pending:
    on_finished: Callable[[], None]
    peer: str
    player_pid: int = 0  # the process it was sent to


class PromptPlayer:
    """The station's end of the player process, started on first use (and again if it died)."""

    def __init__(self, realtime_priority: int = 0, stall_seconds: float = 10.0) -> None:
        """`realtime_priority`: of every thread that plays (0: ordinary). `stall_seconds`: how long a send may wait
        on a far end that stopped reading before its connection is found deaf and shut."""
        self.realtime_priority, self.stall_seconds = realtime_priority, stall_seconds
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._pending: dict[int, _Pending] = {}
        self._next_id = 0
        self._lock = threading.Lock()  # the process, the pipe's sending end and the pending plays
        self._closing = False

    @property
    def pid(self) -> int | None:
        with self._lock:
            return self._process.pid if self._process is not None else None

    def start(self) -> None:
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        context = multiprocessing.get_context("spawn")  # nothing of the station's threads or locks comes along
        parent, child = context.Pipe()
        process = context.Process(
            target=run_player, args=(child, self.realtime_priority, self.stall_seconds), name="prompt-player",
            daemon=True,
        )  # fmt: skip
        process.start()
        child.close()
        if not parent.poll(START_TIMEOUT):
            process.kill()
            raise UserError(f"the prompt player process did not start within {START_TIMEOUT:g} s")
        ready = parent.recv()
        if self.realtime_priority and not ready.realtime:
            warn_ordinary_priority(self.realtime_priority, WHAT)
        self._process, self._conn, self._closing = process, parent, False
        threading.Thread(target=self._read, args=(process, parent), name="prompt-player-reports", daemon=True).start()

    def play(self, connection: socket.socket, pcm: bytes, on_finished: Callable[[], None], peer: str) -> int:
        """Play `pcm` into `connection` in real time; `on_finished` runs when all of it has been sent (not when
        stopped). Returns the play's id, for `stop`."""
        with self._lock:
            self._next_id += 1
            play_id = self._next_id
            self._pending[play_id] = _Pending(on_finished, peer)
            for attempt in (1, 2):
                self._start_locked()
                assert self._conn is not None and self._process is not None
                self._pending[play_id].player_pid = self._process.pid
                try:
                    self._conn.send(Play(play_id, pcm))
                    reduction.send_handle(self._conn, connection.fileno(), self._process.pid)
                    break
                except OSError:  # the player died a moment ago, before its reader saw it: a new one plays this
                    self._process.kill()
                    self._process = self._conn = None
                    if attempt == 2:
                        del self._pending[play_id]
                        raise
        return play_id

    def stop(self, play_id: int) -> None:
        with self._lock:
            if self._pending.pop(play_id, None) is not None and self._conn is not None:
                with contextlib.suppress(OSError):
                    self._conn.send(Stop(play_id))

    def close(self) -> None:
        with self._lock:
            process, conn, self._closing = self._process, self._conn, True
            self._process = self._conn = None
        if process is None or conn is None:
            return
        with contextlib.suppress(OSError):
            conn.send(Quit())
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()
        conn.close()

    def _read(self, process: multiprocessing.process.BaseProcess, conn: Connection) -> None:
        while True:
            try:
                report = conn.recv()
            except (EOFError, OSError):
                break
            if isinstance(report, Finished):
                with self._lock:
                    pending = self._pending.pop(report.play_id, None)
                if pending is not None:  # on its own thread: the next prompt it may start waits on this reader
                    threading.Thread(target=pending.on_finished, name="prompt-finished", daemon=True).start()
            elif isinstance(report, Late):
                log.warning("prompt playback fell behind: %d frames over %d ms late (worst %d ms), gaps a callee "
                            "may hear", report.frames, FRAME_MS, report.worst_ms)  # fmt: skip
            elif isinstance(report, Deaf):
                with self._lock:
                    pending = self._pending.pop(report.play_id, None)
                peer = pending.peer if pending is not None else "a call"
                log.warning("AudioSocket stream from %s stopped taking the audio played into it; closed", peer)
        with self._lock:
            if self._closing or _exiting.is_set():
                return
            cut_short = [p for p in self._pending.values() if p.player_pid == process.pid]
            self._pending = {k: p for k, p in self._pending.items() if p.player_pid != process.pid}
            if self._process is process:
                self._process = self._conn = None
        process.join(timeout=5)
        # The calls go on: what was playing is cut short, the call flow moves on, and the next prompt starts
        # a new player.
        log.error("the prompt player process ended (exit code %s); %d prompts cut short", process.exitcode,
                  len(cut_short))  # fmt: skip
        for pending in cut_short:
            threading.Thread(target=pending.on_finished, name="prompt-finished", daemon=True).start()


def run_player(conn: Connection, realtime_priority: int, stall_seconds: float) -> None:
    """Process entry point: plays what the station sends until it says quit or goes away."""
    # Before any thread starts: each takes the scheduling of the thread that starts it.
    realtime = take_realtime_priority(realtime_priority, WHAT, warn=False)
    sending = threading.Lock()

    def report(message: Report) -> None:
        with sending, contextlib.suppress(OSError):
            conn.send(message)

    report(Ready(realtime))
    playing: dict[int, threading.Event] = {}
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            break  # the station is gone: so are its calls
        if isinstance(request, Play):
            connection = socket.socket(fileno=reduction.recv_handle(conn))
            stop = playing[request.play_id] = threading.Event()
            threading.Thread(
                target=_play, args=(request.play_id, connection, request.pcm, stop, stall_seconds, report),
                name="prompt-play", daemon=True,
            ).start()  # fmt: skip
        elif isinstance(request, Stop):
            if stop := playing.pop(request.play_id, None):
                stop.set()
        else:
            break
        for play_id in [play_id for play_id, stop in playing.items() if stop.is_set()]:
            playing.pop(play_id, None)  # ended by themselves: kept no longer
    for stop in list(playing.values()):
        stop.set()


def _play(
    play_id: int,
    connection: socket.socket,
    pcm: bytes,
    stop: threading.Event,
    stall_seconds: float,
    report: Callable[[Report], None],
) -> None:
    connection.settimeout(stall_seconds)
    started = time.monotonic()
    late_frames, worst_lateness = 0, 0.0
    try:
        for index, start in enumerate(range(0, len(pcm), FRAME_BYTES)):
            # On the clock, never ahead: a lead of even one or two frames is later shed by the far end's jitter
            # buffer as a dropped frame the callee hears (measured: two frames ahead, one quarter second of every
            # prompt broken; none ahead, every one clean).
            plays_at = started + index * FRAME_MS / 1000
            if stop.wait(max(0.0, plays_at - time.monotonic())):
                return
            lateness = time.monotonic() - plays_at
            if lateness > FRAME_MS / 1000:  # a whole frame behind, which a phone's jitter buffer may not hide
                late_frames += 1
                worst_lateness = max(worst_lateness, lateness)
            frame = pcm[start : start + FRAME_BYTES].ljust(FRAME_BYTES, b"\0")
            try:
                connection.sendall(wire.encode(wire.KIND_SLIN16, frame))
            except TimeoutError:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                report(Deaf(play_id))
                return
            except OSError:
                return  # the call's stream closed: nothing more to play into
        if late_frames:
            report(Late(play_id, late_frames, worst_lateness * 1000))
        if not stop.is_set():
            report(Finished(play_id))
    finally:
        stop.set()
        connection.close()
