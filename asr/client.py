"""Streaming one call's audio to the ASR service and reading its results."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable

from asr import audiosocket as wire
from tierdial.messages import FinalTranscript, PartialTranscript, Word

ResultHandler = Callable[[dict], None]


def transcript_message(call_id: str, result: dict) -> PartialTranscript | FinalTranscript:
    """A result as the ASR service sends it, as the message every stage understands."""
    if result["type"] == "partial":
        return PartialTranscript(call_id, result["text"], result["at_ms"])
    words = tuple(Word(**w) for w in result.get("words", ()))
    return FinalTranscript(call_id, result["text"], result["start_ms"], result["end_ms"], words)


_KIND_FOR_RATE = {rate: kind for kind, rate in wire.SAMPLE_RATES.items()}


class AsrClient:
    """Send audio with `send`; results arrive on `on_result` from a reader thread."""

    def __init__(
        self,
        host: str,
        port: int,
        call_uuid: str,
        sample_rate: int,
        on_result: ResultHandler,
        thread_init: Callable[[], None] | None = None,
    ) -> None:
        """`thread_init` runs first in the reader thread (a SIP process registers the thread with its library)."""
        if sample_rate not in _KIND_FOR_RATE:
            raise ValueError(f"sample rate {sample_rate} Hz not supported by the ASR service")
        self._kind = _KIND_FOR_RATE[sample_rate]
        self._on_result = on_result
        self._thread_init = thread_init
        self._socket = socket.create_connection((host, port), timeout=10)
        self._socket.settimeout(None)  # a callee may be silent for long: results come when they come
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.sendall(wire.encode_uuid(call_uuid))
        self.errors: list[str] = []
        self._done = threading.Event()
        self._reader = threading.Thread(target=self._read, name=f"asr-client-{call_uuid[:8]}", daemon=True)
        self._reader.start()

    def send(self, pcm: bytes) -> None:
        if self._done.is_set():
            return  # the service went away; the call goes on untranscribed rather than failing
        try:
            self._socket.sendall(wire.encode(self._kind, pcm))
        except OSError as exc:
            self.errors.append(f"ASR service connection lost: {exc}")
            self._done.set()

    def hang_up(self) -> None:
        """End the stream without waiting: the last results still arrive on `on_result`."""
        try:
            self._socket.sendall(wire.encode(wire.KIND_HANGUP))
        except OSError:
            self._done.set()

    def finish(self, timeout: float = 30.0) -> bool:
        """Hang up and wait for the last results; False if the service did not answer in time."""
        self.hang_up()
        return self._done.wait(timeout)

    def _read(self) -> None:
        if self._thread_init is not None:
            self._thread_init()
        parser = wire.FrameParser()
        try:
            while not self._done.is_set():
                data = self._socket.recv(65536)
                if not data:
                    break
                for frame in parser.feed(data):
                    if frame.kind == wire.KIND_RESULT:
                        self._on_result(json.loads(frame.payload))
                    elif frame.kind == wire.KIND_ERROR:
                        self.errors.append(frame.payload.decode(errors="replace"))
                    elif frame.kind == wire.KIND_HANGUP:
                        return
        except OSError:
            pass
        finally:
            self._socket.close()
            self._done.set()
