"""The Asterisk engine behind the engine interface: Asterisk over AMI, the call's audio over AudioSocket.

Commands run in order in a thread of the engine's own, so a caller never waits on AMI
(and may hold its own locks while it calls); what they cause comes back as messages,
failures included, like the embedded engine's.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from asr.client import AsrAudio
from dialer.telephony.asterisk.ami import AmiAddress, AmiError
from dialer.telephony.asterisk.confgen import ANSWERED_CONTEXT
from dialer.telephony.asterisk.follower import CallFollower
from dialer.telephony.asterisk.tap_server import TapServer, default_max_streams
from dialer.telephony.engine import AudioSink, Dial, EventSink, TelephonyEngine
from dialer.telephony.legs import LegKind, new_leg
from tierdial.config import Config
from tierdial.messages import StageError

log = logging.getLogger(__name__)


class AsteriskEngine(TelephonyEngine):
    def __init__(self, config: Config, on_event: EventSink, asr: AudioSink | tuple[str, int]) -> None:
        """`asr`: where the callees' audio goes (an ASR service's address, or a sink such as a pool of services)."""
        settings = config.asterisk
        self._on_event = on_event
        sink = AsrAudio(*asr) if isinstance(asr, tuple) else asr
        streams = settings.audio_max_streams or default_max_streams(config.station.lines)
        self._taps = TapServer(
            sink, on_event, host=settings.audio_host, max_streams=streams, realtime_priority=settings.realtime_priority
        )
        self._calls = CallFollower(
            AmiAddress.of(settings), on_event, self._taps, ANSWERED_CONTEXT, settings.trunk_endpoint
        )
        # A SIP URI for an agent's phone goes out with the first trunk's settings (codecs, transport).
        self._agent_endpoint = config.trunks[0].name if config.trunks else ""
        self._commands: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._worker = threading.Thread(target=self._run, name="asterisk-commands", daemon=True)

    def start(self) -> None:
        self._taps.serve_in_thread()
        self._calls.start()
        self._worker.start()

    def healthy(self) -> bool:
        return self._calls.ami.connected

    def stop(self) -> None:
        for call_id in self._calls.live():
            self._do(call_id, self._calls.hangup, call_id)
        self._commands.put(None)
        self._worker.join(10)
        self._calls.stop()
        self._taps.shutdown()
        self._taps.server_close()

    def originate(self, dial: Dial) -> None:
        self._do(dial.call_id, self._calls.originate, dial)

    def play(self, call_id: str, wav: Path, prompt: str = "") -> None:
        # Not in the command thread: the call's audio stream may open only seconds after the answer (after
        # answering-machine detection), and other calls' commands must not wait for it.
        playing = threading.Thread(target=self._calls.play, args=(call_id, wav, prompt), daemon=True)
        playing.start()

    def stop_playing(self, call_id: str) -> None:
        self._calls.stop_playing(call_id)  # at once: no AMI involved

    def hangup(self, call_id: str) -> None:
        self._do(call_id, self._calls.hangup, call_id)

    def connect_agent(self, agent: str, uri: str) -> str:
        """`uri`: the agent's phone, a SIP URI or the name of the endpoint it registers to."""
        leg = new_leg(LegKind.agent, agent)
        self._do(leg, self._calls.connect_agent, uri, leg, self._agent_endpoint)
        return leg

    def bridge(self, call_id: str, agent_leg: str) -> None:
        self._do(call_id, self._calls.bridge, call_id, agent_leg)

    def unbridge(self, call_id: str) -> None:
        self._do(call_id, self._calls.unbridge, call_id)

    def listen_in(self, call_id: str, leg: str, phone: str, whisper: bool) -> None:
        def start() -> None:
            try:
                self._calls.listen_in(call_id, leg, phone, whisper, self._agent_endpoint)
            except AmiError as exc:
                self._on_event(StageError(call_id, "listen", str(exc)))

        self._commands.put(start)

    def _do(self, call_id: str, command: Callable[..., object], *args: object) -> None:
        self._commands.put(lambda: self._report(call_id, command, *args))

    def _report(self, call_id: str, command: Callable[..., object], *args: object) -> None:
        try:
            command(*args)
        except AmiError as exc:
            log.warning("Asterisk refused %s: %s", command.__name__, exc, extra={"call_id": call_id})
            self._on_event(StageError(call_id, "telephony", str(exc)))

    def _run(self) -> None:
        while (command := self._commands.get()) is not None:
            try:
                command()
            except Exception:  # one bad command must not stop the ones after it
                log.exception("Asterisk command failed")
