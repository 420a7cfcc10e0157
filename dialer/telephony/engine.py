"""The interface every telephony engine implements.

Commands go in as method calls; everything the engine observes comes out as an
`EngineEvent`, a message of `tierdial.messages`, passed to the `on_event` callback given
at construction. Engines call it from their own threads: receivers hand the message on
and return quickly.

A callee's audio does not pass through the interface: each engine streams it to an
`AudioSink` (the ASR service's client implements one) and relays what comes back.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tierdial.messages import (
    Answered,
    AsrProgress,
    AudioGaps,
    Bridged,
    CallEnded,
    FinalTranscript,
    MachineDetected,
    Monitoring,
    PartialTranscript,
    PromptFinished,
    Ringing,
    StageError,
)

# What the recogniser makes of a callee's audio; the engine passes it on under the call's id.
AsrEvent = PartialTranscript | FinalTranscript | AsrProgress
# Everything an engine reports. A failed command is a StageError; every call and leg placed ends with a CallEnded.
EngineEvent = (
    Ringing
    | Answered
    | MachineDetected
    | PromptFinished
    | Bridged
    | Monitoring
    | AudioGaps
    | CallEnded
    | StageError
    | AsrEvent
)
EventSink = Callable[[EngineEvent], None]


class AudioStream(Protocol):
    """One call's audio on its way to the recogniser."""

    def send(self, pcm: bytes) -> None:
        """Signed 16-bit little-endian mono PCM at the stream's rate; never blocks (a media clock calls it)."""

    def hang_up(self) -> None:
        """End the stream without waiting: the last results still arrive."""

    def finish(self, timeout: float = 30.0) -> bool:
        """End the stream and wait for the last results; False if they did not come within `timeout` seconds."""


class AudioSink(Protocol):
    """Where an engine sends the callees' audio to be recognised: the ASR side implements it."""

    def open(
        self,
        call_id: str,
        sample_rate: int,
        on_result: Callable[[AsrEvent], None],
        stream_uuid: str = "",
        thread_init: Callable[[], None] | None = None,
        language: str = "",
    ) -> AudioStream:
        """Start a call's stream. Results arrive on `on_result`, under `call_id`, from a thread of the sink's that
        runs `thread_init` first. `stream_uuid` names the stream to the recogniser (by default the call id, which
        is then a UUID); `language` is what the callee speaks (the campaign's; the recogniser's own when empty)."""


@dataclass(frozen=True, slots=True)
class Dial:
    call_id: str
    destination: str  # a SIP URI on the trunk
    caller_number: str  # E.164, owned, sent in From and P-Asserted-Identity ("tierdial" on legs to our agents)
    caller_name: str = ""
    ring_timeout_seconds: int = 25
    listen: bool = True  # stream the far end's audio to the ASR service (not for agents' own legs)
    trunk: str = ""  # the trunk's name in config.yaml
    language: str = ""  # what the callee speaks (the campaign's language), for the recogniser


class TelephonyEngine(ABC):
    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None:
        """Hang up whatever is still up and release everything."""

    def healthy(self) -> bool:
        """Able to place calls now (its worker processes alive, its PBX link up): a station's readiness."""
        return True

    @abstractmethod
    def originate(self, dial: Dial) -> None: ...

    @abstractmethod
    def play(self, call_id: str, wav: Path, prompt: str = "") -> None:
        """Play a 16-bit mono WAV into the call; PromptFinished follows when it ends."""

    @abstractmethod
    def stop_playing(self, call_id: str) -> None: ...

    @abstractmethod
    def hangup(self, call_id: str) -> None: ...

    @abstractmethod
    def connect_agent(self, agent: str, uri: str) -> str:
        """Call the agent's phone and keep the leg up for the shift; returns the leg's call id."""

    @abstractmethod
    def bridge(self, call_id: str, agent_leg: str) -> None:
        """Connect the callee and the agent both ways; transcription of the callee goes on.

        The bot falls silent; `Bridged` follows once audio flows. An agent's leg bridged to
        another call is first unbridged from it.
        """

    @abstractmethod
    def unbridge(self, call_id: str) -> None:
        """Part a call (either leg) from the leg it is bridged to; both legs stay up."""

    @abstractmethod
    def listen_in(self, call_id: str, leg: str, phone: str, whisper: bool) -> None:
        """Ring a supervisor's phone as the leg `leg`; once answered it hears the call: the callee with the bot, or
        with the agent after a takeover. With `whisper` the agent hears the supervisor too; the callee never does.

        `Monitoring` follows once audio flows, or a `StageError` saying why not; hang the leg up to end it.
        `phone`: a SIP URI, or (Asterisk) the name of the endpoint the phone registers to.
        """
