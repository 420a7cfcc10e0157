"""Streaming one call's audio to the ASR service and reading its results.

`AsrAudio` is the service as the telephony engines see it: the audio sink of their
contract, opening one stream (one connection) per call.

`send` never blocks: it is called from a SIP process's media clock, and a wait there
would break the audio of every call in that process. When the service falls behind,
audio queues here up to `MAX_HELD_SECONDS`; beyond that the oldest frames go.

The audio is also held until the service has given a final transcript past it. If the
connection drops without the service saying why (the service killed, or restarted), the
client connects again, for up to `RECONNECT_SECONDS`, to the same service or another one
of the pool, names the call again and replays what it held: the utterance the callee was
in the middle of is heard whole, and the results' times are the call's, not the new
stream's. Meanwhile `send` goes on holding, never waiting.
"""

from __future__ import annotations

import collections
import json
import logging
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from asr import audiosocket as wire
from tierdial.messages import AsrProgress, FinalTranscript, PartialTranscript, Word

log = logging.getLogger(__name__)
ResultHandler = Callable[[dict], None]
AsrMessage = PartialTranscript | FinalTranscript | AsrProgress
Address = tuple[str, int]
# Held for a replay: an utterance under way when the service died, plus the seconds a restarted one takes to answer.
MAX_HELD_SECONDS = 30.0
RECONNECT_SECONDS = 60.0
RECONNECT_EVERY_SECONDS = 0.5
FLUSH_SECONDS = 0.2  # how soon the reader looks again for audio left to send (a hang-up's, when the buffer was full)


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


def _shifted(result: dict, by_ms: int) -> dict:
    """A result of a replayed stream on the call's own time line (the stream began `by_ms` into the call)."""
    if not by_ms:
        return result
    shifted = dict(result)
    for key in ("at_ms", "start_ms", "end_ms", "heard_ms", "settled_ms"):
        if key in shifted:
            shifted[key] += by_ms
    if "words" in shifted:
        words = shifted["words"]
        shifted["words"] = [{**w, "start_ms": w["start_ms"] + by_ms, "end_ms": w["end_ms"] + by_ms} for w in words]
    return shifted


_KIND_FOR_RATE = {rate: kind for kind, rate in wire.SAMPLE_RATES.items()}


class _Ended(Exception):
    """How a connection ended; `lost`: without the service saying why, so another may take the stream up."""

    def __init__(self, lost: bool) -> None:
        self.lost = lost


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
        reconnect_to: Callable[[], Address] | None = None,
        call_id: str = "",
    ) -> None:
        """`thread_init` runs first in the reader thread (a SIP process registers the thread with its library);
        `language`: what the callee speaks (the service's own language when empty); `reconnect_to`: where to take
        the stream up when the connection is lost (the same service when None); `call_id`: the call, for the log,
        when the stream is named otherwise."""
        if sample_rate not in _KIND_FOR_RATE:
            raise ValueError(f"sample rate {sample_rate} Hz not supported by the ASR service")
        self._kind, self._bytes_per_ms = _KIND_FOR_RATE[sample_rate], sample_rate * 2 // 1000
        self._greeting = wire.encode_uuid(call_uuid) + (wire.encode_language(language) if language else b"")
        self._reconnect_to = reconnect_to or (lambda: (host, port))
        self._limit = int(MAX_HELD_SECONDS * sample_rate * 2)
        self._queued: collections.deque[bytes] = collections.deque()  # encoded frames not yet sent
        self._queued_offset = 0  # of the first one, already sent
        self._queued_bytes = 0
        # Encoded audio frames with where each begins and ends in the call's audio (bytes), not yet past a final:
        # the same frames as the queue's, so holding them costs no copy.
        self._held: collections.deque[tuple[int, int, bytes]] = collections.deque()
        self._held_bytes = 0
        self._position = 0  # audio bytes of the call so far
        self._stream_start_ms = 0  # where the current connection's stream began in the call
        self._connected, self._hung_up = True, False
        self._send_lock = threading.Lock()
        self.dropped_bytes = 0
        self.reconnections = 0
        self.replayed_ms = 0  # of audio, over all reconnections
        self._on_result = on_result
        self._thread_init = thread_init
        self._call = call_id or call_uuid
        self._socket = self._connect((host, port), timeout=10)
        self.errors: list[str] = []
        self._done = threading.Event()
        self._reader = threading.Thread(target=self._read, name=f"asr-client-{call_uuid[:8]}", daemon=True)
        self._reader.start()

    def _connect(self, address: Address, timeout: float) -> socket.socket:
        connection = socket.create_connection(address, timeout=timeout)
        connection.settimeout(None)  # a callee may be silent for long: results come when they come
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection.sendall(self._greeting)
        return connection

    def send(self, pcm: bytes) -> None:
        if self._done.is_set():
            return  # the service went away for good; the call goes on untranscribed rather than failing
        with self._send_lock:
            if self._done.is_set():
                return
            frame = wire.encode(self._kind, pcm)
            self._hold(frame, len(pcm))
            if self._connected:
                self._enqueue(frame)
                self._flush()

    def hang_up(self) -> None:
        """End the stream without waiting: the last results still arrive on `on_result`."""
        with self._send_lock:
            if self._done.is_set() or self._hung_up:
                return  # the service ended the stream already (and said why, in `errors`)
            self._hung_up = True
            if self._connected:
                self._enqueue(wire.encode(wire.KIND_HANGUP))
                self._flush()  # what the service takes now; the reader sends the rest, then the hang-up

    def _hold(self, frame: bytes, audio_bytes: int) -> None:
        self._held.append((self._position, self._position + audio_bytes, frame))
        self._held_bytes += len(frame)
        self._position += audio_bytes
        while self._held_bytes > self._limit and len(self._held) > 1:
            self._held_bytes -= len(self._held.popleft()[2])

    def _settled_to(self, end_ms: int) -> None:
        """Everything before `end_ms` of the call has its final transcript (or was silence): it needs no replay."""
        with self._send_lock:
            while self._held and self._held[0][1] <= end_ms * self._bytes_per_ms:
                self._held_bytes -= len(self._held.popleft()[2])

    def _enqueue(self, frame: bytes) -> None:
        self._queued.append(frame)
        self._queued_bytes += len(frame)
        while self._queued_bytes > self._limit and len(self._queued) > 2:
            # The first frame may be half sent: the oldest whole one after it goes.
            dropped = self._queued[1]
            del self._queued[1]
            self._queued_bytes -= len(dropped)
            self.dropped_bytes += len(dropped)

    def _flush(self) -> None:
        """What the service's buffer takes now, never waiting."""
        try:
            while self._queued:
                first = self._queued[0]
                sent = self._socket.send(first[self._queued_offset :], socket.MSG_DONTWAIT)
                self._queued_offset += sent
                if self._queued_offset < len(first):
                    return  # the service's buffer is full: the rest waits for the next frame
                self._queued.popleft()
                self._queued_bytes -= len(first)
                self._queued_offset = 0
        except BlockingIOError:
            return
        except OSError:
            self._connected = False  # the reader sees the connection end too, and takes the stream up again

    def finish(self, timeout: float = 30.0) -> bool:
        """Hang up and wait for the last results; False if the service did not answer in time."""
        self.hang_up()
        return self._done.wait(timeout)

    def _read(self) -> None:
        if self._thread_init is not None:
            self._thread_init()
        try:
            while True:
                try:
                    self._read_stream()
                    return
                except _Ended as ended:
                    if not ended.lost or not self._take_up_again():
                        return
        finally:
            # Done before closed, and closed between two sends: a send after the end is skipped, not told as a
            # second, misleading error beside the service's own reason.
            self._done.set()
            with self._send_lock:
                self._socket.close()

    def _read_stream(self) -> None:
        """Results until the service's hang-up (returns), or the connection's end (raises `_Ended`). What the sender
        could not hand over without waiting goes out from here, as the service takes it: after a call's end (no more
        frames to send it on) and after a replay, nobody else would."""
        parser = wire.FrameParser()
        said_why = False
        try:
            while True:
                with self._send_lock:
                    writing = bool(self._queued) and self._connected
                # poll, not select: a SIP process or the AudioSocket server may hold more than select's 1,024 files.
                poller = select.poll()
                poller.register(self._socket, select.POLLIN | (select.POLLOUT if writing else 0))
                ready = 0
                for _, events in poller.poll(FLUSH_SECONDS * 1000):
                    ready |= events
                if ready & select.POLLOUT:
                    with self._send_lock:
                        self._flush()
                if not ready & (select.POLLIN | select.POLLHUP | select.POLLERR):
                    continue
                data = self._socket.recv(65536)
                if not data:
                    raise _Ended(lost=not said_why)
                for frame in parser.feed(data):
                    if frame.kind == wire.KIND_RESULT:
                        result = _shifted(_result(frame.payload), self._stream_start_ms)
                        settled = result["end_ms"] if result["type"] == "final" else result.get("settled_ms")
                        if settled is not None:
                            self._settled_to(settled)
                        self._on_result(result)
                    elif frame.kind == wire.KIND_ERROR:
                        self.errors.append(frame.payload.decode(errors="replace"))
                        said_why = True
                    elif frame.kind == wire.KIND_HANGUP:
                        return
        except wire.FramingError as exc:
            # Not the ASR service, or a broken one: the call goes on untranscribed, and says why.
            self.errors.append(f"ASR service sent {exc}")
            raise _Ended(lost=False) from None
        except OSError as exc:
            if not said_why:
                self.errors.append(f"ASR service connection lost: {exc}")
            raise _Ended(lost=not said_why) from None

    def _take_up_again(self) -> bool:
        """Connect again and replay the held audio; False when no service answered within `RECONNECT_SECONDS`."""
        with self._send_lock:
            self._connected = False
        log.warning("ASR service connection lost; holding the call's audio to replay", extra={"call_id": self._call})
        deadline = time.monotonic() + RECONNECT_SECONDS
        while time.monotonic() < deadline:
            try:
                connection = self._connect(self._reconnect_to(), timeout=RECONNECT_EVERY_SECONDS * 4)
            except OSError:
                time.sleep(RECONNECT_EVERY_SECONDS)  # the service restarting: nothing to wait on but time
                continue
            with self._send_lock:
                self._socket.close()
                self._socket, self._connected = connection, True
                self._queued = collections.deque(frame for _, _, frame in self._held)
                self._queued_bytes, self._queued_offset = sum(map(len, self._queued)), 0
                start = self._held[0][0] if self._held else self._position
                self._stream_start_ms = start // self._bytes_per_ms
                replayed_ms = (self._position - start) // self._bytes_per_ms
                self.replayed_ms += replayed_ms
                if self._hung_up:
                    self._queued.append(wire.encode(wire.KIND_HANGUP))
                self._flush()  # the rest as the service takes it: on the call's next frames, or by the reader
            self.reconnections += 1
            log.info("ASR service connected again; %d ms of audio replayed", replayed_ms, extra={"call_id": self._call})
            return True
        self.errors.append(f"no ASR service answered for {RECONNECT_SECONDS:g} s")
        return False


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

        uuid = stream_uuid or call_id
        return AsrClient(self.host, self.port, uuid, sample_rate, deliver, thread_init, language, call_id=call_id)
