"""The ASR service: one process holds the model; telephony processes stream calls to it.

Each call is one TCP connection on loopback speaking AudioSocket framing: a UUID
frame names the call, audio frames follow (8 kHz `KIND_SLIN`, as Asterisk sends, or
16 kHz `KIND_SLIN16`), a hang-up frame ends it. Results go back on the same
connection as `KIND_RESULT` frames of JSON. Each connection has its own thread:
Vosk releases the GIL while decoding, so calls decode in parallel.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import socket
import socketserver
import threading

from asr import audiosocket as wire
from asr.engine import AsrEngine
from asr.recognizer import AsrStream, Result
from tierdial.messages import FinalTranscript

log = logging.getLogger(__name__)


def result_payload(result: Result) -> bytes:
    kind = "final" if isinstance(result, FinalTranscript) else "partial"
    return json.dumps({"type": kind, **dataclasses.asdict(result)}, ensure_ascii=False).encode()


class _CallHandler(socketserver.BaseRequestHandler):
    server: AsrServer

    def handle(self) -> None:
        parser = wire.FrameParser()
        stream: AsrStream | None = None
        call_id = ""
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                data = self.request.recv(65536)
                if not data:
                    break
                for frame in parser.feed(data):
                    if frame.kind == wire.KIND_UUID:
                        call_id = frame.call_uuid()
                    elif frame.kind in wire.SAMPLE_RATES:
                        if stream is None:
                            if not call_id:
                                self._send_error("audio before the call's UUID frame")
                                return
                            stream = self.server.engine.open_stream(call_id, wire.SAMPLE_RATES[frame.kind])
                        self._send_results(stream.feed(frame.payload))
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
        super().__init__((host, port), _CallHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="asr-server", daemon=True)
        thread.start()
        return thread
