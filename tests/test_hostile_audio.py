"""Hostile clients on the AudioSocket ports: the ASR service's and the Asterisk engine's tap server.

Each bad connection is dropped alone, with one log line naming it, while a well-behaved call on the same server is
transcribed to the end with the real recogniser.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from asr import audiosocket as wire
from asr.audio import frames, read_wav
from asr.client import AsrAudio, AsrClient
from asr.engine import AsrEngine
from asr.service import AsrServer
from asr.service_pool import service_load
from dialer.telephony.asterisk.tap_server import TapServer
from tests.helpers import SPEECH
from tierdial.messages import FinalTranscript, PartialTranscript

pytestmark = pytest.mark.realtime

STALL = 1.0  # seconds: the servers' patience here; the product's is longer


def _until(condition: Callable[[], object], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


class _ChattyStream:
    """A stream whose every frame of audio yields a 60 kB partial: a client that does not read is soon stuck."""

    def __init__(self, call_id: str) -> None:
        self.call_id, self.position_ms = call_id, 0
        self.settled_ms: int | None = None  # always in the middle of an utterance
        self.closed = threading.Event()

    def feed(self, pcm: bytes) -> list[PartialTranscript]:
        self.position_ms += len(pcm) // 32
        return [PartialTranscript(self.call_id, "말" * 20_000, self.position_ms)]

    def close(self) -> list[FinalTranscript]:
        self.closed.set()
        return []


class _Engine:
    """The real engine, except for calls whose UUID is in `chatty`."""

    def __init__(self, real: AsrEngine) -> None:
        self.real = real
        self.chatty: dict[str, _ChattyStream] = {}

    def check_language(self, language: str) -> None:
        self.real.check_language(language)

    def open_stream(self, call_id: str, input_rate: int, language: str = ""):  # type: ignore[no-untyped-def]
        if call_id in self.chatty:
            return self.chatty[call_id]
        return self.real.open_stream(call_id, input_rate, language=language)


@pytest.fixture
def service(asr_engine: AsrEngine) -> Iterator[tuple[AsrServer, _Engine]]:
    engine = _Engine(asr_engine)
    server = AsrServer(engine, stall_seconds=STALL)  # type: ignore[arg-type]
    server.serve_in_thread()
    yield server, engine
    server.shutdown()
    server.server_close()


@pytest.fixture
def speech(speech_rows: list[dict]) -> bytes:
    row = next(r for r in speech_rows if r["split"] == "heldout" and r["tier"] == "B")
    recording = read_wav(SPEECH / row["file"])
    assert recording.sample_rate == 16000
    return recording.pcm


def _transcribe(address: tuple[str, int], pcm: bytes) -> tuple[list[dict], list[str]]:
    results: list[dict] = []
    client = AsrClient(*address, str(uuid.uuid4()), 16000, results.append)
    for frame in frames(pcm, 16000):
        client.send(frame)
    assert client.finish(timeout=60)
    return results, client.errors


def _answer(connection: socket.socket, seconds: float = 20.0) -> list[wire.Frame]:
    """Every frame the server sends until it closes the connection."""
    connection.settimeout(seconds)
    parser, received = wire.FrameParser(), []
    while data := connection.recv(65536):
        received += parser.feed(data)
    return received


HOSTILE: dict[str, bytes] = {
    "silent from the start": b"",
    "garbage": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    "unknown kind": wire.encode_uuid(str(uuid.uuid4())) + wire.encode(0x7E, b"\x01\x02"),
    "result frame inbound": wire.encode_uuid(str(uuid.uuid4())) + wire.encode(wire.KIND_RESULT, b"{}"),
    "short UUID": wire.encode(wire.KIND_UUID, b"\x01" * 5),
    "two UUIDs": wire.encode_uuid(str(uuid.uuid4())) * 2,
    "odd-length audio": wire.encode_uuid(str(uuid.uuid4())) + wire.encode(wire.KIND_SLIN16, b"\x00" * 641),
    "audio before UUID": wire.encode(wire.KIND_SLIN16, b"\x00" * 640),
    "rates mixed": wire.encode_uuid(str(uuid.uuid4()))
    + wire.encode(wire.KIND_SLIN16, b"\x00" * 640)
    + wire.encode(wire.KIND_SLIN, b"\x00" * 320),
    "error frame": wire.encode_uuid(str(uuid.uuid4())) + wire.encode(wire.KIND_ERROR, b"\x04"),
}
# Frames cut short: the declared length is more than what comes, then the sender stalls (or closes).
TRUNCATED: dict[str, bytes] = {
    "half a header": b"\x12\x02",
    "declared 640, sent 100": wire.encode_uuid(str(uuid.uuid4())) + wire.encode(wire.KIND_SLIN16, bytes(640))[:103],
    "declared 65535, sent 10": wire.encode_uuid(str(uuid.uuid4())) + b"\x12\xff\xff" + bytes(10),
}


def _drops(caplog: pytest.LogCaptureFixture, port: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if f":{port} " in r.getMessage() and "dropped" in r.getMessage()]


def test_bad_connections_are_dropped_alone_while_a_call_is_transcribed(
    service: tuple[AsrServer, _Engine], speech: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    server, _ = service
    address = ("127.0.0.1", server.port)
    caplog.set_level(logging.WARNING, logger="asr.service")
    outcome: dict[str, tuple[list[dict], list[str]]] = {}
    good = threading.Thread(target=lambda: outcome.__setitem__("good", _transcribe(address, speech)))
    stalled = {name: socket.create_connection(address) for name in TRUNCATED}
    for name, data in TRUNCATED.items():
        stalled[name].sendall(data)
    good.start()
    answers: dict[str, list[wire.Frame]] = {}
    ports: dict[str, int] = {}
    for name, data in HOSTILE.items():
        with socket.create_connection(address) as connection:
            ports[name] = connection.getsockname()[1]
            connection.sendall(data)
            answers[name] = _answer(connection)
    for name, connection in stalled.items():
        ports[name] = connection.getsockname()[1]
        answers[name] = _answer(connection)  # the server ends it after `STALL` seconds of nothing
        connection.close()
    good.join(timeout=120)

    for name in HOSTILE:
        assert answers[name] and answers[name][-1].kind == wire.KIND_ERROR, name
    for name in TRUNCATED:
        error = answers[name][-1].payload.decode()
        assert "then nothing for 1 s" in error
        assert any(part in error for part in ("of a frame header", "65535 bytes", "640 bytes")), error
    for name, port in ports.items():
        assert len(_drops(caplog, port)) == 1, (name, [r.getMessage() for r in caplog.records])
    assert "unknown kind 0x7e" in _drops(caplog, ports["unknown kind"])[0].getMessage()
    results, errors = outcome["good"]
    assert errors == []
    finals = [r for r in results if r["type"] == "final"]
    assert finals and finals[-1]["text"]


def test_a_client_that_stops_reading_is_dropped_and_holds_nothing(
    service: tuple[AsrServer, _Engine], speech: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    server, engine = service
    address = ("127.0.0.1", server.port)
    caplog.set_level(logging.WARNING, logger="asr.service")
    call = str(uuid.uuid4())
    engine.chatty[call] = chatty = _ChattyStream(call)
    stuck = socket.socket()
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.connect(address)
    port = stuck.getsockname()[1]
    stuck.sendall(wire.encode_uuid(call))
    stuck.setblocking(False)
    outcome: dict[str, tuple[list[dict], list[str]]] = {}
    good = threading.Thread(target=lambda: outcome.__setitem__("good", _transcribe(address, speech)))
    good.start()  # another call, transcribed while this one is stuck
    blocked = False
    deadline = time.monotonic() + 30
    while not chatty.closed.is_set():  # audio until the server gives up on this reader
        assert time.monotonic() < deadline, "the server never dropped a client that does not read"
        try:
            stuck.send(wire.encode(wire.KIND_SLIN16, bytes(640)))
        except BlockingIOError:
            blocked = True  # the server, stuck writing to us, reads no more: it buffers nothing of ours itself
            time.sleep(0.01)
        except OSError:
            break
    _until(lambda: _drops(caplog, port))
    (record,) = _drops(caplog, port)
    assert call in record.getMessage() and "stopped reading" in record.getMessage()
    assert blocked
    good.join(timeout=120)
    results, errors = outcome["good"]
    assert errors == [] and [r for r in results if r["type"] == "final"][-1]["text"]
    stuck.close()


# The Asterisk engine's tap server ---------------------------------------------------------------


@pytest.fixture
def taps(service: tuple[AsrServer, _Engine]) -> Iterator[tuple[TapServer, list[object]]]:
    server, _ = service
    received: list[object] = []
    taps = TapServer(AsrAudio("127.0.0.1", server.port), received.append, stall_seconds=STALL)
    taps.serve_in_thread()
    yield taps, received
    taps.shutdown()
    taps.server_close()


def _tap_address(taps: TapServer) -> tuple[str, int]:
    host, port = taps.address.rsplit(":", 1)
    return host, int(port)


def test_tap_server_drops_bad_streams_alone(
    taps: tuple[TapServer, list[object]], speech: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    server, received = taps
    caplog.set_level(logging.WARNING, logger="dialer.telephony.asterisk.tap_server")
    address = _tap_address(server)
    good = str(uuid.uuid4())
    server.expect(good, "good-call")
    bad: dict[str, bytes] = {
        **HOSTILE,
        **TRUNCATED,
        "not expected": wire.encode_uuid(str(uuid.uuid4())) + wire.encode(wire.KIND_SLIN16, bytes(640)),
    }
    for name, data in bad.items():
        if data[:3] == bytes([wire.KIND_UUID, 0, 16]) and name != "not expected":
            server.expect(str(uuid.UUID(bytes=data[3:19])), f"call-{name}")
    sockets = {name: socket.create_connection(address) for name in bad}
    ports = {name: connection.getsockname()[1] for name, connection in sockets.items()}
    for name, data in bad.items():
        sockets[name].sendall(data)
    with socket.create_connection(address) as asterisk:
        asterisk.sendall(wire.encode_uuid(good))
        for frame in frames(speech, 16000):
            asterisk.sendall(wire.encode(wire.KIND_SLIN16, frame))
        asterisk.sendall(wire.encode(wire.KIND_HANGUP))
        _until(lambda: any(isinstance(m, FinalTranscript) and m.call_id == "good-call" for m in received), 60)
    for name, connection in sockets.items():
        port = ports[name]
        connection.settimeout(20)
        assert connection.recv(65536) == b"", name  # closed by the server, without a word (Asterisk reads none)
        _until(lambda port=port: _drops(caplog, port))
        assert len(_drops(caplog, port)) == 1, name
        connection.close()
    assert "was not expected" in _drops(caplog, ports["not expected"])[0].getMessage()
    assert "unknown kind 0x47" in _drops(caplog, ports["garbage"])[0].getMessage()


def test_tap_server_closes_a_stream_that_stops_taking_prompts(taps: tuple[TapServer, list[object]]) -> None:
    server, _ = taps
    stream = str(uuid.uuid4())
    server.expect(stream, "deaf-call")
    deaf = socket.socket()
    deaf.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    deaf.connect(_tap_address(server))
    deaf.sendall(wire.encode_uuid(stream) + wire.encode(wire.KIND_SLIN16, bytes(640)))
    finished = threading.Event()
    # An hour of prompt, never read: the server's writes stall, and it gives up on the stream after `STALL`.
    server.play("deaf-call", bytes(3600 * 32000), finished.set)
    _until(lambda: "deaf-call" not in server.streaming(), 120)
    assert not finished.is_set()
    deaf.close()


def test_result_frames_that_are_not_results_end_the_client_with_a_reason() -> None:
    with socket.create_server(("127.0.0.1", 0)) as impostor:
        client = AsrClient("127.0.0.1", impostor.getsockname()[1], str(uuid.uuid4()), 16000, lambda _: None)
        connection, _ = impostor.accept()
        with connection:
            connection.sendall(wire.encode(wire.KIND_RESULT, json.dumps(["not", "a", "result"]).encode()))
            assert client.finish(timeout=10)
    assert client.errors and "not a result" in client.errors[0]


# Connection caps ---------------------------------------------------------------------------------

CAP, EXTRA = 3, 4


def _refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tierdial.connection_cap"]


def _stream_call(connection: socket.socket, pcm: bytes) -> list[wire.Frame]:
    """The rest of a call on a connection that has named it: its audio, the hang-up, and every frame back."""
    for frame in frames(pcm, 16000):
        connection.sendall(wire.encode(wire.KIND_SLIN16, frame))
    connection.sendall(wire.encode(wire.KIND_HANGUP))
    return _answer(connection, 120)


def test_the_asr_service_refuses_connections_past_its_cap_and_takes_them_again_when_some_close(
    asr_engine: AsrEngine, speech: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tierdial.connection_cap")
    server = AsrServer(asr_engine, stall_seconds=STALL, max_connections=CAP)
    server.serve_in_thread()
    address = ("127.0.0.1", server.port)
    try:
        calls = [socket.create_connection(address) for _ in range(CAP)]
        for connection in calls:
            connection.sendall(wire.encode_uuid(str(uuid.uuid4())))  # named: the server waits for its audio
        _until(lambda: server.cap.open == CAP)
        for _ in range(EXTRA):
            with socket.create_connection(address) as extra:
                (refusal,) = _answer(extra, 5)
            assert wire.is_full(refusal) and f"{CAP} connections" in refusal.payload.decode()
        full = service_load(address, timeout=5)  # a status request, refused like the rest: the service is full
        assert full is not None and full.full
        assert len(_refusals(caplog)) == 1, _refusals(caplog)  # one line for the burst, not one per connection
        assert "refused 1 new one" in _refusals(caplog)[0]

        answers: dict[int, list[wire.Frame]] = {}
        streams = [
            threading.Thread(target=lambda n=n, c=c: answers.__setitem__(n, _stream_call(c, speech)))
            for n, c in enumerate(calls)
        ]
        for thread in streams:
            thread.start()
        for thread in streams:
            thread.join(timeout=180)
        for n, received in answers.items():  # the calls connected before the flood were transcribed to the end
            finals = [json.loads(f.payload) for f in received if f.kind == wire.KIND_RESULT]
            assert [f for f in finals if f["type"] == "final" and f["text"]], n
            assert received[-1].kind == wire.KIND_HANGUP, n
        assert len(answers) == CAP
        for connection in calls:
            connection.close()

        _until(lambda: server.cap.open == 0)
        results, errors = _transcribe(address, speech)  # room again: a new call is taken
        assert errors == [] and [r for r in results if r["type"] == "final"][-1]["text"]
        load = service_load(address, timeout=5)
        assert load is not None and not load.full
    finally:
        server.shutdown()
        server.server_close()


def test_tap_server_closes_streams_past_its_cap_and_takes_them_again_when_some_close(
    service: tuple[AsrServer, _Engine], speech: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    received: list[object] = []
    asr = AsrAudio("127.0.0.1", service[0].port)
    server = TapServer(asr, received.append, stall_seconds=STALL, max_streams=CAP)
    server.serve_in_thread()
    caplog.set_level(logging.WARNING, logger="tierdial.connection_cap")
    address = _tap_address(server)
    try:
        held = []
        for n in range(CAP):
            stream = str(uuid.uuid4())
            server.expect(stream, f"held-{n}")
            connection = socket.create_connection(address)
            connection.sendall(wire.encode_uuid(stream))
            held.append(connection)
        _until(lambda: server.streaming() == {f"held-{n}" for n in range(CAP)})
        for _ in range(EXTRA):
            with socket.create_connection(address) as extra:
                extra.settimeout(5)
                assert extra.recv(65536) == b""  # closed at once, without a word (Asterisk reads none)
        assert len(_refusals(caplog)) == 1, _refusals(caplog)

        for frame in frames(speech, 16000):  # a stream connected before the flood goes on
            held[0].sendall(wire.encode(wire.KIND_SLIN16, frame))
        held[0].sendall(wire.encode(wire.KIND_HANGUP))
        _until(lambda: any(isinstance(m, FinalTranscript) and m.call_id == "held-0" for m in received), 60)
        for connection in held:
            connection.sendall(wire.encode(wire.KIND_HANGUP))
            connection.close()
        _until(lambda: server.cap.open == 0)

        again = str(uuid.uuid4())
        server.expect(again, "again")
        with socket.create_connection(address) as connection:
            connection.sendall(wire.encode_uuid(again))
            _until(lambda: "again" in server.streaming())
            connection.sendall(wire.encode(wire.KIND_HANGUP))
    finally:
        server.shutdown()
        server.server_close()
