"""The embedded engine's parent side: starts SIP worker processes and routes calls to them.

PJSUA2 wheels hold a fixed number of calls per process, so calls are spread over
worker processes (`sip.workers`); each worker reports its own limit when it starts.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from asr.client import AsrAudio
from dialer.telephony.engine import AudioSink, Dial, EventSink, TelephonyEngine
from dialer.telephony.legs import LegKind, new_leg
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
    Shutdown,
    StopPlaying,
    Unbridge,
    WorkerSettings,
)
from tierdial.config import Config
from tierdial.errors import UserError
from tierdial.messages import Answered, CallEnded, StageError

log = logging.getLogger(__name__)
START_TIMEOUT = 30
AGENT_LEG_CALLER = "tierdial"


class NoFreeLine(RuntimeError):
    """Every worker holds as many calls as it can: the dialer must not dial more."""


@dataclass
class _WorkerHandle:
    process: Any
    conn: Connection
    capacity: int
    lock: threading.Lock
    calls: set[str]
    port: int  # its SIP transport's, on the configured host


class Pjsua2Engine(TelephonyEngine):
    def __init__(
        self,
        config: Config,
        on_event: EventSink,
        asr: AudioSink | tuple[str, int],
        keep_callees_with_agents: bool = True,
    ) -> None:
        """`asr`: where the callees' audio goes (an ASR service's address, or a sink such as a pool of services)."""
        trunk = config.trunks[0].model_dump() if config.trunks else None
        level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
        audio = AsrAudio(*asr) if isinstance(asr, tuple) else asr
        self._settings = WorkerSettings(config.sip.host, audio, trunk, level, config.sip.realtime_priority)
        self._worker_count = config.sip.workers

        self._on_event = on_event
        self._workers: list[_WorkerHandle] = []
        self._route: dict[str, _WorkerHandle] = {}
        self._agent_legs: set[str] = set()
        self._keep_with_agents = keep_callees_with_agents
        self._relay_ports: dict[str, int] = {}  # call id -> its relay port, once its media is up
        self._bridges: dict[str, str] = {}  # each leg of a bridge -> the other leg
        self._monitors: dict[str, tuple[str, bool]] = {}  # a supervisor's leg -> (the call it hears, whisper)
        self._lock = threading.Lock()
        self._stopping = False

    @property
    def capacity(self) -> int:
        return sum(w.capacity for w in self._workers)

    @property
    def worker_pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._workers]

    @property
    def worker_ports(self) -> dict[int, int]:
        """Each worker's SIP port, by its process id."""
        with self._lock:
            return {w.process.pid: w.port for w in self._workers}

    @property
    def active_calls(self) -> int:
        with self._lock:
            return len(self._route)

    def start(self) -> None:
        for _ in range(self._worker_count):
            self._start_worker()

    def _start_worker(self) -> None:
        from dialer.telephony.pjsua2.worker import run_worker  # keeps pjsua2 out of the parent

        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=run_worker, args=(child, self._settings), daemon=True)
        process.start()
        if not parent.poll(START_TIMEOUT):
            raise UserError("a SIP worker did not start within 30 s")
        ready = parent.recv()
        if not isinstance(ready, Ready):
            raise UserError(f"a SIP worker failed to start: {ready}")
        handle = _WorkerHandle(process, parent, ready.capacity, threading.Lock(), set(), ready.port)
        with self._lock:
            self._workers.append(handle)
        threading.Thread(target=self._read_events, args=(handle,), daemon=True, name="sip-events").start()

    def healthy(self) -> bool:
        with self._lock:
            return bool(self._workers) and all(w.process.is_alive() for w in self._workers)

    def stop(self) -> None:
        self._stopping = True
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            self._send(worker, Shutdown())
        for worker in workers:
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.kill()
        with self._lock:
            self._workers.clear()

    def originate(self, dial: Dial) -> None:
        with self._lock:
            free = [w for w in self._workers if len(w.calls) < w.capacity]
            if not free:
                raise NoFreeLine(f"all {self.capacity} lines are in use")
            # Callees go where the agents' legs are while there is room: a bridge inside one worker
            # costs nothing, one across workers relays every frame over loopback. The last line there is
            # left for a supervisor's listen-in (which joins the call's worker) while other workers have room.
            with_agents = [w for w in free if w.calls & self._agent_legs] if self._keep_with_agents else []
            roomy = [w for w in with_agents if w.capacity - len(w.calls) >= 2]
            worker = roomy[0] if roomy else min(free, key=lambda w: len(w.calls))
            worker.calls.add(dial.call_id)
            self._route[dial.call_id] = worker
        if not self._send(worker, Originate(dial)):
            self._forget(worker, dial.call_id)
            self._on_event(CallEnded(dial.call_id, "failed", 0, "SIP worker process ended"))

    def play(self, call_id: str, wav: Path, prompt: str = "") -> None:
        self._to_call(call_id, Play(call_id, str(wav), prompt))

    def connect_agent(self, agent: str, uri: str) -> str:
        leg = new_leg(LegKind.agent, agent)
        with self._lock:
            self._agent_legs.add(leg)
        # An internal leg to our own agent's phone: it presents as tierdial, never as a phone number.
        self.originate(Dial(leg, uri, AGENT_LEG_CALLER, agent, ring_timeout_seconds=60, listen=False))
        return leg

    def listen_in(self, call_id: str, leg: str, phone: str, whisper: bool) -> None:
        # In the call's own worker: there its bridge holds the callee, the bot and the agent's audio (local, or
        # relayed from the agent's worker), so the supervisor's leg can hear them all and whisper to the agent.
        with self._lock:
            worker = self._route.get(call_id)
            full = worker is not None and len(worker.calls) >= worker.capacity
            if worker is not None and not full:
                worker.calls.add(leg)
                self._route[leg], self._monitors[leg] = worker, (call_id, whisper)
        if worker is None:
            self._on_event(StageError(call_id, "listen", "the call is no longer up"))
            return
        if full:
            reason = f"the call's SIP worker holds {worker.capacity} calls already: try again when one ends"
            self._on_event(StageError(call_id, "listen", reason))
            return
        dial = Dial(leg, phone, AGENT_LEG_CALLER, "tierdial listen-in", ring_timeout_seconds=60, listen=False)
        if not self._send(worker, Originate(dial)):
            self._forget(worker, leg)

    def bridge(self, call_id: str, agent_leg: str) -> None:
        with self._lock:
            callee_worker, agent_worker = self._route.get(call_id), self._route.get(agent_leg)
            callee_port, agent_port = self._relay_ports.get(call_id), self._relay_ports.get(agent_leg)
            previous = self._bridges.get(agent_leg)
        if callee_worker is None:
            return
        if agent_worker is None or agent_port is None or callee_port is None:
            self._on_event(StageError(call_id, "bridge", f"agent leg {agent_leg} is not up"))
            return
        if previous is not None and previous != call_id:
            self.unbridge(previous)
        with self._lock:
            self._bridges[call_id], self._bridges[agent_leg] = agent_leg, call_id
        if callee_worker is agent_worker:
            self._send(callee_worker, Bridge(call_id, agent_leg))
        else:
            log.info("bridging %s across SIP workers (audio relayed)", agent_leg, extra={"call_id": call_id})
            self._send(agent_worker, Relay(agent_leg, callee_port, ""))
            self._send(callee_worker, Relay(call_id, agent_port, agent_leg))

    def unbridge(self, call_id: str) -> None:
        with self._lock:
            other = self._bridges.pop(call_id, None)
            if other is not None:
                self._bridges.pop(other, None)
        for leg in (call_id, other):
            if leg is not None:
                self._to_call(leg, Unbridge(leg))

    def stop_playing(self, call_id: str) -> None:
        self._to_call(call_id, StopPlaying(call_id))

    def hangup(self, call_id: str) -> None:
        self._to_call(call_id, Hangup(call_id))

    def _to_call(self, call_id: str, command: Command) -> None:
        with self._lock:
            worker = self._route.get(call_id)
        if worker is not None:
            self._send(worker, command)

    def _send(self, worker: _WorkerHandle, command: Command) -> bool:
        with worker.lock:
            try:
                worker.conn.send(command)
                return True
            except OSError:
                log.error("SIP worker %s is gone", worker.process.pid)
                return False

    def _read_events(self, worker: _WorkerHandle) -> None:
        while True:
            try:
                reply = worker.conn.recv()
            except (EOFError, OSError):
                self._worker_died(worker)
                return
            if isinstance(reply, Ready):
                continue  # read by _start_worker: a worker says it once
            if isinstance(reply, MediaUp):
                with self._lock:
                    self._relay_ports[reply.call_id] = reply.relay_port
                    monitor = self._monitors.get(reply.call_id)
                if monitor is not None:
                    self._send(worker, Monitor(reply.call_id, *monitor))
                self._deliver(Answered(reply.call_id, reply.codec))
                continue
            if isinstance(reply, CallEnded):
                self._forget(worker, reply.call_id)
            self._deliver(reply)

    def _deliver(self, event: object) -> None:
        """Hand an event on; a failure in its handling is that event's alone: this worker's later events (its other
        calls' transcripts and ends) must still be read."""
        try:
            self._on_event(event)
        except Exception:
            log.exception("handling %s failed", type(event).__name__, extra={"call_id": getattr(event, "call_id", "")})

    def _forget(self, worker: _WorkerHandle, call_id: str) -> None:
        """A leg ended: the leg it was bridged to stops exchanging audio with it (an agent stays up)."""
        with self._lock:
            worker.calls.discard(call_id)
            self._route.pop(call_id, None)
            self._agent_legs.discard(call_id)
            self._relay_ports.pop(call_id, None)
            self._monitors.pop(call_id, None)
            other = self._bridges.pop(call_id, None)
            if other is not None:
                self._bridges.pop(other, None)
        if other is not None:
            self._to_call(other, Unbridge(other))

    def _worker_died(self, worker: _WorkerHandle) -> None:
        """Calls of a crashed worker end as failed, so nothing stays 'in progress'; a new worker takes its place."""
        with self._lock:
            lost = list(worker.calls)
            if worker in self._workers:
                self._workers.remove(worker)  # no call may be sent to it any more
        for call_id in lost:
            self._forget(worker, call_id)
            self._on_event(CallEnded(call_id, "failed", 0, "SIP worker process ended"))
        if not self._stopping:
            log.error("SIP worker %s ended; starting another", worker.process.pid)
            threading.Thread(target=self._replace_worker, daemon=True, name="sip-worker-restart").start()

    def _replace_worker(self) -> None:
        try:
            self._start_worker()
        except UserError as exc:
            log.error("no SIP worker in place of the one that ended: %s", exc)
