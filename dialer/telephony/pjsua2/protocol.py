"""What the embedded engine and its SIP worker processes say to each other over their pipe.

The parent sends `Command`s; a worker answers with `Reply`s: `Ready` once when it has
started, `MediaUp` when a call's audio flows, and otherwise the engine's own messages
(`EngineEvent`), which the parent passes on as they are. Everything here is a small
frozen dataclass, pickled by the pipe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dialer.telephony.engine import AudioSink, Dial, EngineEvent


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """What a worker is started with."""

    host: str  # the address its SIP transport binds to, and the host of its callers' URIs
    audio: AudioSink  # where callees' audio goes: picklable, it crosses into the worker process
    trunk: dict[str, Any] | None  # the first trunk of config.yaml, for its credentials
    log_level: str
    realtime_priority: int  # 0: ordinary scheduling


# Commands ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Originate:
    dial: Dial


@dataclass(frozen=True, slots=True)
class Play:
    call_id: str
    wav: str
    prompt: str


@dataclass(frozen=True, slots=True)
class StopPlaying:
    call_id: str


@dataclass(frozen=True, slots=True)
class Hangup:
    call_id: str


@dataclass(frozen=True, slots=True)
class Bridge:
    """Both legs are in this worker."""

    call_id: str
    agent_leg: str


@dataclass(frozen=True, slots=True)
class Relay:
    """The other leg of a bridge is in another worker: exchange audio with its relay port. The callee's side
    names the agent's leg in `announce_as` and reports the bridge; the agent's side leaves it empty."""

    call_id: str
    peer_port: int
    announce_as: str


@dataclass(frozen=True, slots=True)
class Unbridge:
    call_id: str


@dataclass(frozen=True, slots=True)
class Monitor:
    """The supervisor's leg `leg`, now up, starts hearing the call `call_id`."""

    leg: str
    call_id: str
    whisper: bool


@dataclass(frozen=True, slots=True)
class Shutdown:
    pass


Command = Originate | Play | StopPlaying | Hangup | Bridge | Relay | Unbridge | Monitor | Shutdown


# Replies -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Ready:
    capacity: int  # the calls this worker can hold
    port: int  # its SIP transport's


@dataclass(frozen=True, slots=True)
class MediaUp:
    """A call's audio flows: `Answered` for the dialer, and the port a bridge from another worker relays to."""

    call_id: str
    codec: str
    relay_port: int


Reply = Ready | MediaUp | EngineEvent
