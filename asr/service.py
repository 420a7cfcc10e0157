"""The ASR service: one process holds the model; telephony processes stream calls to it.

Each call is one TCP connection on loopback speaking AudioSocket framing: a UUID
frame names the call, audio frames follow (8 kHz `KIND_SLIN`, as Asterisk sends, or
16 kHz `KIND_SLIN16`), a hang-up frame ends it. Results go back on the same
connection as `KIND_RESULT` frames of JSON. Each connection has its own thread:
Vosk releases the GIL while decoding, so calls decode in parallel.

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
from tierdial.messages import FinalTranscript

log = logging.getLogger(__name__)
PROGRESS_EVERY_MS = 500


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
        self.call_id, self.bytes_per_ms = call_id, rate * 2 // 1000
        self._since = 0
        self.decode_seconds = 0.0  # spent decoding this call so far: over the audio's length, the real-time factor

    def due(self, audio_bytes: int) -> bool:
        self._since += audio_bytes
        if self._since < PROGRESS_EVERY_MS * self.bytes_per_ms:
            return False
        self._since = 0
        return True

    def payload(self, heard_ms: int, waiting_bytes: int) -> bytes:
        lag_ms = waiting_bytes // self.bytes_per_ms
        message = {"type": "progress", "call_id": self.call_id, "heard_ms": heard_ms, "lag_ms": lag_ms,
                   "decode_ms": round(self.decode_seconds * 1000)}  # fmt: skip
        return json.dumps(message).encode()


class _CallHandler(socketserver.BaseRequestHandler):
    server: AsrServer

    def handle(self) -> None:
        parser = wire.FrameParser()
        stream: AsrStream | None = None
        progress: _Progress | None = None
        call_id = ""
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                data = self.request.recv(65536)
                if not data:
                    break
                frames = parser.feed(data)
                for index, frame in enumerate(frames):
                    if frame.kind == wire.KIND_STATUS:
                        self.request.sendall(wire.encode(wire.KIND_RESULT, self.server.status()))
                        return
                    if frame.kind == wire.KIND_UUID:
                        call_id = frame.call_uuid()
                    elif frame.kind in wire.SAMPLE_RATES:
                        if stream is None:
                            if not call_id:
                                self._send_error("audio before the call's UUID frame")
                                return
                            stream = self.server.engine.open_stream(call_id, wire.SAMPLE_RATES[frame.kind])
                            progress = _Progress(call_id, wire.SAMPLE_RATES[frame.kind])
                            self.server.lag_ms[call_id] = 0
                        started = time.perf_counter()
                        results = stream.feed(frame.payload)
                        if progress is not None:
                            progress.decode_seconds += time.perf_counter() - started
                        self._send_results(results)
                        if progress is not None and progress.due(len(frame.payload)):
                            # Unread bytes include the frames' 3-byte headers: under 1 % of the audio, left in.
                            waiting = _unread_bytes(self.request) + parser.pending
                            waiting += sum(len(later.payload) for later in frames[index + 1 :])
                            payload = progress.payload(stream.position_ms, waiting)
                            self.server.lag_ms[call_id] = waiting // progress.bytes_per_ms
                            self.request.sendall(wire.encode(wire.KIND_RESULT, payload))
                    elif frame.kind == wire.KIND_HANGUP:
                        if stream is not None:
                            self._send_results(stream.close())
                            stream = None
                        self.request.sendall(wire.encode(wire.KIND_HANGUP))
                        return
        except wire.FramingError as exc:
            self._send_error(str(exc))
        except OSError as exc:
            log.warning("connection lost: %s", exc, extra={"call_id": call_id})
        finally:
            if stream is not None:
                stream.close()  # the recogniser goes back to the pool even if the caller vanished
            self.server.lag_ms.pop(call_id, None)

    def _send_results(self, results: list[Result]) -> None:
        for result in results:
            self.request.sendall(wire.encode(wire.KIND_RESULT, result_payload(result)))

    def _send_error(self, message: str) -> None:
        self.request.sendall(wire.encode(wire.KIND_ERROR, message.encode()))


class AsrServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, engine: AsrEngine, host: str = "127.0.0.1", port: int = 0) -> None:
        self.engine = engine
        self.lag_ms: dict[str, int] = {}  # per call: the audio waiting to be decoded at its last progress point
        super().__init__((host, port), _CallHandler)

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
