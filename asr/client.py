"""Streaming one call's audio to the ASR service and reading its results.

`AsrAudio` is the service as the telephony engines see it: the audio sink of their
contract, opening one stream (one connection) per call.

`send` never blocks: it is called from a SIP process's media clock, and a wait there
would break the audio of every call in that process. When the service falls behind,
audio queues here up to `MAX_QUEUED_SECONDS`; beyond that the oldest frames go.
"""

from __future__ import annotations

import collections
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from asr import audiosocket as wire
from tierdial.messages import AsrProgress, FinalTranscript, PartialTranscript, Word

ResultHandler = Callable[[dict], None]
AsrMessage = PartialTranscript | FinalTranscript | AsrProgress
MAX_QUEUED_SECONDS = 10.0


def asr_message(call_id: str, result: dict) -> AsrMessage:
    """A result as the ASR service sends it, as the message every stage understands."""
    if result["type"] == "partial":
        return PartialTranscript(call_id, result["text"], result["at_ms"])
    if result["type"] == "progress":
        return AsrProgress(call_id, result["heard_ms"], result["lag_ms"], result.get("decode_ms", 0))
    words = tuple(Word(**w) for w in result.get("words", ()))
    others = tuple(str(text) for text in result.get("other_readings", ()))
    return FinalTranscript(call_id, result["text"], result["start_ms"], result["end_ms"], words, other_readings=others)


def _result(payload: bytes) -> dict:
    try:
        result = json.loads(payload)
    except ValueError:
        result = None
    if not isinstance(result, dict) or result.get("type") not in ("partial", "final", "progress"):
        raise wire.FramingError(f"a result frame that is not a result: {payload[:200]!r}")
    return result


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
        language: str = "",
    ) -> None:
        """`thread_init` runs first in the reader thread (a SIP process registers the thread with its library);
        `language`: what the callee speaks (the service's own language when empty)."""
        if sample_rate not in _KIND_FOR_RATE:
            raise ValueError(f"sample rate {sample_rate} Hz not supported by the ASR service")
        self._kind = _KIND_FOR_RATE[sample_rate]
        self._queued: collections.deque[bytes] = collections.deque()  # encoded frames not yet sent
        self._queued_offset = 0  # of the first one, already sent
        self._queue_limit = int(MAX_QUEUED_SECONDS * sample_rate * 2)
        self._queued_bytes = 0
        self._send_lock = threading.Lock()
        self.dropped_bytes = 0
        self._on_result = on_result
        self._thread_init = thread_init
        self._socket = socket.create_connection((host, port), timeout=10)
        self._socket.settimeout(None)  # a callee may be silent for long: results come when they come
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.sendall(wire.encode_uuid(call_uuid) + (wire.encode_language(language) if language else b""))
        self.errors: list[str] = []
        self._done = threading.Event()
        self._reader = threading.Thread(target=self._read, name=f"asr-client-{call_uuid[:8]}", daemon=True)
        self._reader.start()

    def send(self, pcm: bytes) -> None:
        if self._done.is_set():
            return  # the service went away; the call goes on untranscribed rather than failing
        with self._send_lock:
            if self._done.is_set():
                return
            self._enqueue(wire.encode(self._kind, pcm))
            self._flush(wait=False)

    def hang_up(self) -> None:
        """End the stream without waiting: the last results still arrive on `on_result`."""
        with self._send_lock:
            if self._done.is_set():
                return  # the service ended the stream already (and said why, in `errors`)
            self._enqueue(wire.encode(wire.KIND_HANGUP))
            self._flush(wait=True)  # what is queued goes out, then the hang-up

    def _enqueue(self, frame: bytes) -> None:
        self._queued.append(frame)
        self._queued_bytes += len(frame)
        while self._queued_bytes > self._queue_limit and len(self._queued) > 2:
            # The first frame may be half sent: the oldest whole one after it goes.
            dropped = self._queued[1]
            del self._queued[1]
            self._queued_bytes -= len(dropped)
            self.dropped_bytes += len(dropped)

    def _flush(self, wait: bool) -> None:
        flags = 0 if wait else socket.MSG_DONTWAIT
        try:
            while self._queued:
                first = self._queued[0]
                sent = self._socket.send(first[self._queued_offset :], flags)
                self._queued_offset += sent
                if self._queued_offset < len(first):
                    return  # the service's buffer is full: the rest waits for the next frame
                self._queued.popleft()
                self._queued_bytes -= len(first)
                self._queued_offset = 0
        except BlockingIOError:
            return
        except OSError as exc:
            self.errors.append(f"ASR service connection lost: {exc}")
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
                        self._on_result(_result(frame.payload))
                    elif frame.kind == wire.KIND_ERROR:
                        self.errors.append(frame.payload.decode(errors="replace"))
                    elif frame.kind == wire.KIND_HANGUP:
                        return
        except wire.FramingError as exc:
            # Not the ASR service, or a broken one: the call goes on untranscribed, and says why.
            self.errors.append(f"ASR service sent {exc}")
        except OSError:
            pass
        finally:
            # Done before closed, and closed between two sends: a send after the end is skipped, not told as a
            # second, misleading error beside the service's own reason.
            self._done.set()
            with self._send_lock:
                self._socket.close()


@dataclass(frozen=True, slots=True)
class AsrAudio:
    """The ASR service at `host`:`port` as an engine's audio sink. Small and picklable: a SIP worker process is
    handed one."""

    host: str
    port: int

    def open(
        self,
        call_id: str,
        sample_rate: int,
        on_result: Callable[[AsrMessage], None],
        stream_uuid: str = "",
        thread_init: Callable[[], None] | None = None,
        language: str = "",
    ) -> AsrClient:
        """A stream of the call's audio; its results come to `on_result` as messages under `call_id`."""

        def deliver(result: dict) -> None:
            on_result(asr_message(call_id, result))

        return AsrClient(self.host, self.port, stream_uuid or call_id, sample_rate, deliver, thread_init, language)
