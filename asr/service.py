"""The ASR service: one process holds the model; telephony processes stream calls to it.

Each call is one TCP connection on loopback speaking AudioSocket framing: a UUID
frame names the call, audio frames follow (8 kHz `KIND_SLIN`, as Asterisk sends, or
16 kHz `KIND_SLIN16`), a hang-up frame ends it. A language frame before the audio says what
the callee speaks (the campaign's language); a language the service does not hear ends the
connection with an error frame that names the ones it does. Results go back on the same
connection as `KIND_RESULT` frames of JSON. Each connection has its own thread:
Vosk releases the GIL while decoding, so calls decode in parallel. The connections open at
once are capped (`asr.max_connections`): past the cap a new one is refused at the door with
an error frame that says the service is full (`audiosocket.FULL`), and those connected go on.

Every half second of audio a `progress` result tells how far behind the recogniser
is: the audio received but not yet decoded. The dialer holds back new calls when it
grows, and does not take a callee's words still in the queue for silence.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import logging
import socket
import socketserver
import struct
import termios
import threading
import time

from asr import audiosocket as wire
from asr.engine import AsrEngine
from asr.recognizer import AsrStream, Result
from tierdial.connection_cap import CappedThreadingServer
from tierdial.errors import UserError
from tierdial.messages import FinalTranscript

log = logging.getLogger(__name__)
PROGRESS_EVERY_MS = 500
# A frame's bytes come together, a call is named as soon as it connects, and results are read as they come: a
# sender stopped this long in the middle of a frame or before the UUID, or whose results wait this long to be
# taken, is gone or stuck.
STALL_SECONDS = 20.0
CONNECTIONS_PER_RECOGNIZER = 4
DRAIN_SECONDS = 1.0  # how long a dropped client has to read why, while what it still sends is thrown away
SPARE_CONNECTIONS = 16


def result_payload(result: Result) -> bytes:
    kind = "final" if isinstance(result, FinalTranscript) else "partial"
    return json.dumps({"type": kind, **dataclasses.asdict(result)}, ensure_ascii=False).encode()


def _unread_bytes(connection: socket.socket) -> int:
    """What the kernel holds for this connection that the handler has not read yet."""
    raw = fcntl.ioctl(connection.fileno(), termios.FIONREAD, b"\0\0\0\0")
    return int(struct.unpack("i", raw)[0])


class _Progress:
    """Tells the client, every `PROGRESS_EVERY_MS` of audio, how much of it is still waiting to be decoded."""

    def __init__(self, call_id: str, rate: int) -> None:
        self.call_id, self.rate, self.bytes_per_ms = call_id, rate, rate * 2 // 1000
        self._since = 0
        self.decode_seconds = 0.0  # spent decoding this call so far: over the audio's length, the real-time factor

    def due(self, audio_bytes: int) -> bool:
        self._since += audio_bytes
        if self._since < PROGRESS_EVERY_MS * self.bytes_per_ms:
            return False
        self._since = 0
        return True

    def payload(self, heard_ms: int, waiting_bytes: int, settled_ms: int | None) -> bytes:
        lag_ms = waiting_bytes // self.bytes_per_ms
        message = {"type": "progress", "call_id": self.call_id, "heard_ms": heard_ms, "lag_ms": lag_ms,
                   "decode_ms": round(self.decode_seconds * 1000)}  # fmt: skip
        if settled_ms is not None:
            message["settled_ms"] = settled_ms  # the client holds nothing before it for a replay
        return json.dumps(message).encode()


class _Dropped(Exception):
    """The connection is ended for what its client did; the message says what, for the log and for the client."""


class _CallHandler(socketserver.BaseRequestHandler):
    """One call's connection. A client that breaks the framing, stalls in the middle of a frame (or before naming
    its call) or stops reading its results loses its own connection, with one log line that names it, and nothing
    else: every connection has its own thread, and a write or a read waits at most `stall_seconds`, so a stuck
    client holds nothing (its recogniser goes back to the pool) and buffers nothing past the kernel's socket
    buffers."""

    server: AsrServer

    def setup(self) -> None:
        self.call_id = ""
        self.language = ""  # the service's own unless the client says
        self.stream: AsrStream | None = None
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request.settimeout(self.server.stall_seconds)

    def handle(self) -> None:
        try:
            self._serve()
        except _Dropped as exc:
            self._drop(str(exc), tell_client=True)
        except wire.FramingError as exc:
            self._drop(f"broken framing: {exc}", tell_client=True)
        except TimeoutError:
            self._drop(f"stopped reading its results: a write waited {self.server.stall_seconds:g} s", False)
        except OSError as exc:
            self._drop(f"connection lost: {exc}", tell_client=False)
        finally:
            if self.stream is not None:
                self.stream.close()  # the recogniser goes back to the pool even if the caller vanished
            self.server.lag_ms.pop(self.call_id, None)

    def _serve(self) -> None:
        parser = wire.FrameParser(wire.INBOUND_KINDS | {wire.KIND_STATUS})
        progress: _Progress | None = None
        while True:
            try:
                data = self.request.recv(65536)
            except TimeoutError:
                # Between whole frames a call may pause (a sender passing on a far end that sends nothing while
                # silent); in the middle of one, or before naming its call, a sender is stuck or hostile.
                if parser.pending:
                    raise _Dropped(
                        f"{parser.incomplete()} received, then nothing for {self.server.stall_seconds:g} s"
                    ) from None
                if not self.call_id:
                    raise _Dropped(f"named no call in {self.server.stall_seconds:g} s") from None
                continue
            if not data:
                if parser.pending:
                    raise _Dropped(f"closed the connection with {parser.incomplete()} received")
                return
            frames = parser.feed(data)
            for index, frame in enumerate(frames):
                if frame.kind == wire.KIND_STATUS and not self.call_id:
                    self.request.sendall(wire.encode(wire.KIND_RESULT, self.server.status()))
                    return
                wire.check_inbound(frame, seen_uuid=bool(self.call_id))
                if frame.kind == wire.KIND_UUID:
                    self.call_id = frame.call_uuid()
                elif frame.kind == wire.KIND_LANGUAGE:
                    if self.stream is not None:
                        raise _Dropped("a language frame after the audio began")
                    self.language = frame.language()
                    try:  # told before any audio: the client ends its stream at once, with the reason
                        self.server.engine.check_language(self.language)
                    except UserError as exc:
                        raise _Dropped(str(exc)) from None
                elif frame.kind in wire.SAMPLE_RATES:
                    rate = wire.SAMPLE_RATES[frame.kind]
                    if self.stream is None:
                        self.stream = self.server.engine.open_stream(self.call_id, rate, language=self.language)
                        progress = _Progress(self.call_id, rate)
                        self.server.lag_ms[self.call_id] = 0
                    elif progress is not None and progress.rate != rate:
                        raise _Dropped(f"{wire.kind_name(frame.kind)} in a call that began at {progress.rate} Hz")
                    started = time.perf_counter()
                    results = self.stream.feed(frame.payload)
                    if progress is not None:
                        progress.decode_seconds += time.perf_counter() - started
                    self._send_results(results)
                    if progress is not None and progress.due(len(frame.payload)):
                        # Unread bytes include the frames' 3-byte headers: under 1 % of the audio, left in.
                        waiting = _unread_bytes(self.request) + parser.pending
                        waiting += sum(len(later.payload) for later in frames[index + 1 :])
                        payload = progress.payload(self.stream.position_ms, waiting, self.stream.settled_ms)
                        self.server.lag_ms[self.call_id] = waiting // progress.bytes_per_ms
                        self.request.sendall(wire.encode(wire.KIND_RESULT, payload))
                elif frame.kind == wire.KIND_ERROR:
                    raise _Dropped(f"the client sent an error frame: {frame.payload[:200]!r}")
                elif frame.kind == wire.KIND_HANGUP:
                    if self.stream is not None:
                        stream, self.stream = self.stream, None
                        self._send_results(stream.close())
                    self.request.sendall(wire.encode(wire.KIND_HANGUP))
                    return
                # KIND_SILENCE: Asterisk's "nothing to send now"; the gaps in the audio say the same.

    def _drop(self, reason: str, tell_client: bool) -> None:
        heard = self.stream.position_ms if self.stream is not None else 0
        host, port = self.client_address[:2]
        log.warning("ASR connection from %s:%s (call %s, %d ms heard) dropped: %s", host, port,
                    self.call_id or "not named", heard, reason, extra={"call_id": self.call_id})  # fmt: skip
        if not tell_client:
            return
        try:
            if self.stream is not None:
                # What was heard before the fault is still transcribed and sent: the call's words are not lost.
                stream, self.stream = self.stream, None
                self._send_results(stream.close())
            self._send_error(reason)
            self._close_after_telling()
        except OSError:
            pass  # it is being dropped already, and said so once

    def _close_after_telling(self) -> None:
        """Let the client read the error before the connection goes. Closed with its audio still unread, the
        connection would be reset, and a reset throws away what the client has not read yet: the reason."""
        self.request.shutdown(socket.SHUT_WR)
        self.request.settimeout(DRAIN_SECONDS)
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline and self.request.recv(65536):
            pass  # the client's audio, sent before it read the reason: nobody wants it now

    def _send_results(self, results: list[Result]) -> None:
        for result in results:
            self.request.sendall(wire.encode(wire.KIND_RESULT, result_payload(result)))

    def _send_error(self, message: str) -> None:
        self.request.sendall(wire.encode(wire.KIND_ERROR, message.encode()))


def default_max_connections(recognizers: int) -> int:
    """What a service carries at once unless `asr.max_connections` says: a few connections per recogniser it warms
    up (one per call expected), for the calls past that it still takes (the pool grows) and the status requests."""
    return CONNECTIONS_PER_RECOGNIZER * recognizers + SPARE_CONNECTIONS


class AsrServer(CappedThreadingServer):
    daemon_threads = True
    allow_reuse_address = True
    # Calls answered together connect together: past a short backlog the kernel drops their handshakes, and each
    # waits a retransmission (a second or more) before its audio is read.
    request_queue_size = 128

    def __init__(
        self,
        engine: AsrEngine,
        host: str = "127.0.0.1",
        port: int = 0,
        stall_seconds: float = STALL_SECONDS,
        max_connections: int = default_max_connections(2),
    ) -> None:
        """`max_connections`: past it a new connection, status requests included, is refused with `wire.FULL`;
        the calls already connected go on."""
        self.engine, self.stall_seconds = engine, stall_seconds
        self.lag_ms: dict[str, int] = {}  # per call: the audio waiting to be decoded at its last progress point
        super().__init__((host, port), _CallHandler, max_connections, "the ASR service")

    def refuse(self, request: socket.socket) -> None:
        request.send(wire.refused_full(self.cap.limit))

    def status(self) -> bytes:
        """The load a station weighs to choose among ASR services: calls streaming and the worst of their lags."""
        lags = list(self.lag_ms.values())
        return json.dumps({"type": "status", "streams": len(lags), "lag_ms": max(lags, default=0)}).encode()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="asr-server", daemon=True)
        thread.start()
        return thread
