"""Where Asterisk sends a call's audio: an AudioSocket server that relays it to the ASR service.

Asterisk's `AudioSocket()` connects here, names the stream with a UUID frame and sends
20 ms frames of signed linear audio (8 kHz, or 16 kHz when the channel has it). Results
do not go back to Asterisk, which knows no result frames: the server opens a stream of
its own to the engine's audio sink (the ASR service) for each, and hands the transcripts
on as messages, under the call id the engine registered for that UUID. Audio played into
a call (the bot's prompts) goes back on the same connection, 20 ms at a time in real
time, paced by a process of its own (`prompt_player`): Asterisk plays what arrives to the
callee.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
import time
from collections.abc import Callable

from asr import audiosocket as wire
from asr.audio import FRAME_MS
from asr.audio_breaks import READ_EVERY_MS, AudioArrivals, BrokenAudio
from dialer.telephony.asterisk.prompt_player import PromptPlayer
from dialer.telephony.engine import AsrEvent, AudioSink, AudioStream
from tierdial.connection_cap import CappedThreadingServer
from tierdial.messages import AudioGaps

log = logging.getLogger(__name__)

TranscriptSink = Callable[[AsrEvent | AudioGaps], None]


# Prompts go out in real time, 20 ms at a time: a second of audio is all the send buffer ever needs to hold. The
# kernel's own sizing grows it to megabytes, which a far end that stops reading takes a minute of prompt to fill
# before a write waits, and so before the stream is found deaf and closed.
SEND_BUFFER_BYTES = 32_000
STREAMS_PER_LINE = 4
SPARE_STREAMS = 16


class _Outlet:
    """Audio back to Asterisk on one stream: one prompt at a time, played by the prompt player process."""

    def __init__(self, connection: socket.socket, player: PromptPlayer) -> None:
        self.connection, self.player = connection, player
        host, port = connection.getpeername()[:2]
        self.peer = f"{host}:{port}"
        # Audio from the call means Asterisk has bridged it: what is sent before that is dropped.
        self.flowing = threading.Event()
        self._playing: int | None = None
        self._lock = threading.Lock()

    def play(self, pcm: bytes, on_finished: Callable[[], None]) -> None:
        with self._lock:
            if self._playing is not None:
                self.player.stop(self._playing)
            self._playing = self.player.play(self.connection, pcm, on_finished, self.peer)

    def stop(self) -> None:
        with self._lock:
            if self._playing is not None:
                self.player.stop(self._playing)
                self._playing = None


class _TapHandler(socketserver.BaseRequestHandler):
    """One stream from Asterisk. What breaks the framing (garbage, a kind Asterisk does not send, audio before the
    stream's name), or stops in the middle of a frame (or before naming itself) for `stall_seconds`, ends this
    stream alone, with one log line naming it: each stream has its own thread, and a write into it waits at most
    `stall_seconds`. Whole frames may pause for any time (a far end that sends nothing while silent)."""

    server: TapServer

    def handle(self) -> None:
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        self.request.settimeout(self.server.stall_seconds)
        parser = wire.FrameParser(wire.INBOUND_KINDS)
        call_id, stream_uuid, language = "", "", ""
        stream: AudioStream | None = None
        rate = 0
        arrivals, broken, read_at_ms = AudioArrivals(FRAME_MS), BrokenAudio(), READ_EVERY_MS
        try:
            while True:
                try:
                    data = self.request.recv(65536)
                except TimeoutError:
                    if parser.pending:
                        raise wire.FramingError(
                            f"{parser.incomplete()} received, then nothing for {self.server.stall_seconds:g} s"
                        ) from None
                    if not stream_uuid:
                        raise wire.FramingError(f"named no stream in {self.server.stall_seconds:g} s") from None
                    continue
                if not data:
                    if parser.pending:
                        raise wire.FramingError(f"closed with {parser.incomplete()} received")
                    return
                for frame in parser.feed(data):
                    wire.check_inbound(frame, seen_uuid=bool(stream_uuid))
                    if frame.kind == wire.KIND_UUID:
                        stream_uuid = frame.call_uuid()
                        call_id, language = self.server.claim(stream_uuid, self.request)
                        if not call_id:
                            raise wire.FramingError(f"stream {stream_uuid} was not expected")
                    elif frame.kind in wire.SAMPLE_RATES:
                        if stream is None:
                            rate = wire.SAMPLE_RATES[frame.kind]
                            stream = self.server.audio.open(
                                call_id, rate, self.server.on_transcript, stream_uuid, language=language
                            )
                            self.server.audio_flowing(call_id)
                        elif wire.SAMPLE_RATES[frame.kind] != rate:
                            raise wire.FramingError(f"{wire.kind_name(frame.kind)} in a stream that began at {rate} Hz")
                        stream.send(frame.payload)
                        arrivals.arrived(len(frame.payload) / 2 * 1000 / wire.SAMPLE_RATES[frame.kind])
                        if arrivals.received_ms >= read_at_ms:
                            broken.read(0, arrivals.missing_ms())
                            read_at_ms += READ_EVERY_MS
                    elif frame.kind == wire.KIND_ERROR:
                        raise wire.FramingError(f"Asterisk sent an error frame: {frame.payload[:200]!r}")
                    elif frame.kind == wire.KIND_HANGUP:
                        return
        except (wire.FramingError, ValueError, OSError) as exc:
            host, port = self.client_address[:2]
            log.warning("AudioSocket stream from %s:%s (UUID %s, call %s) dropped: %s", host, port,
                        stream_uuid or "not named", call_id or "none", exc, extra={"call_id": call_id})  # fmt: skip
        finally:
            if stream is not None:
                # Asterisk conceals nothing on this path: what is missing is all that broke.
                broken.read(0, arrivals.missing_ms())
                self.server.on_transcript(AudioGaps(call_id, 0, broken.missing_ms, broken.longest_ms))
                stream.finish(timeout=10)  # the last words still get their results
            self.server.forget(call_id)


def default_max_streams(lines: int) -> int:
    """What the server carries at once unless `asterisk.audio_max_streams` says: one stream per call dialled, a few
    per line (a line's next call may stream while its last one's stream closes), and some to spare."""
    return STREAMS_PER_LINE * lines + SPARE_STREAMS


class TapServer(CappedThreadingServer):
    daemon_threads = True
    allow_reuse_address = True
    # Streams of calls answered together connect together: past a short backlog the kernel drops their handshakes,
    # and each waits a retransmission (a second or more) before its audio is read.
    request_queue_size = 128

    def __init__(
        self,
        audio: AudioSink,
        on_transcript: TranscriptSink,
        host: str = "127.0.0.1",
        stall_seconds: float = 10.0,
        max_streams: int = default_max_streams(12),
        realtime_priority: int = 0,
    ) -> None:
        """`max_streams`: past it a new connection is closed at once (Asterisk knows no error frame), and the
        streams already connected go on. `realtime_priority`: of the threads that play prompts (0: ordinary)."""
        self.audio, self.on_transcript, self.stall_seconds = audio, on_transcript, stall_seconds
        self.player = PromptPlayer(realtime_priority, stall_seconds)
        self._expected: dict[str, tuple[str, str]] = {}  # stream UUID -> call id, what its callee speaks
        self._live: dict[str, _Outlet] = {}  # call id -> its connection's way back to Asterisk
        self._lock = threading.Lock()
        self._connected = threading.Condition(self._lock)
        super().__init__((host, 0), _TapHandler, max_streams, "the AudioSocket server for Asterisk's audio")

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"{host}:{port}"

    def expect(self, stream_uuid: str, call_id: str, language: str = "") -> None:
        """Asterisk will connect a stream named `stream_uuid` for `call_id`, whose callee speaks `language`."""
        with self._lock:
            self._expected[stream_uuid] = call_id, language

    def claim(self, stream_uuid: str, connection: socket.socket) -> tuple[str, str]:
        """The call an arriving stream belongs to and the language its callee speaks ("" when not expected)."""
        with self._lock:
            call_id, language = self._expected.pop(stream_uuid, ("", ""))
            if call_id:
                self._live[call_id] = _Outlet(connection, self.player)
                self._connected.notify_all()
            return call_id, language

    def forget(self, call_id: str) -> None:
        with self._lock:
            outlet = self._live.pop(call_id, None)
        if outlet is not None:
            outlet.stop()

    def streaming(self) -> set[str]:
        with self._lock:
            return set(self._live)

    def audio_flowing(self, call_id: str) -> None:
        with self._lock:
            if outlet := self._live.get(call_id):
                outlet.flowing.set()

    def play(self, call_id: str, pcm: bytes, on_finished: Callable[[], None], wait: float = 5.0) -> bool:
        """Send 16 kHz audio into the call in real time, instead of anything playing; `on_finished` runs when it
        has all been sent (not when stopped). False if the call has no stream (within `wait` seconds)."""
        deadline = time.monotonic() + wait
        with self._lock:
            if not self._connected.wait_for(lambda: call_id in self._live, timeout=wait):
                return False
            outlet = self._live[call_id]
        outlet.flowing.wait(max(0.0, deadline - time.monotonic()))  # a silent far end: play after the wait
        outlet.play(pcm, on_finished)
        return True

    def stop_playing(self, call_id: str) -> None:
        with self._lock:
            outlet = self._live.get(call_id)
        if outlet is not None:
            outlet.stop()

    def serve_in_thread(self) -> threading.Thread:
        self.player.start()  # now, not on the first prompt: a callee would wait the process's start
        thread = threading.Thread(target=self.serve_forever, name="audiosocket-taps", daemon=True)
        thread.start()
        return thread

    def server_close(self) -> None:
        super().server_close()
        self.player.close()
