"""A station using ASR services on other machines: each new call goes to the least-lagged one; a dead one is skipped."""

from __future__ import annotations

import pickle
import socket
import threading
import time
import uuid

import pytest

from asr import audiosocket as wire
from asr.audio import frames, read_wav
from asr.service import AsrServer
from asr.service_pool import PROBE_SECONDS, AsrServicePool, service_load
from station.asr_services import AsrServices
from tests.helpers import SPEECH, wait_until
from tierdial.config import parse_config
from tierdial.errors import UserError
from tierdial.ports import free_port

pytestmark = pytest.mark.realtime


def _flood(address: tuple[str, int], pcm: bytes, done: threading.Event) -> None:
    """A minute of a call's audio in one write: the service is behind on it for several seconds."""
    burst = wire.encode_uuid(str(uuid.uuid4())) + b"".join(wire.encode(wire.KIND_SLIN16, f) for f in frames(pcm, 16000))
    with socket.create_connection(address, timeout=120) as connection:
        connection.sendall(burst + wire.encode(wire.KIND_HANGUP))
        parser = wire.FrameParser()
        while data := connection.recv(65536):  # until the service has answered the whole call, or closed
            if any(frame.kind == wire.KIND_HANGUP for frame in parser.feed(data)):
                break
    done.set()


def test_new_calls_go_to_the_least_lagged_service_and_skip_a_dead_one(start_service, speech_rows: list[dict]) -> None:
    busy, _ = start_service("asr", "serve", "--port", "0", "--recognizers", "1")
    idle, stop_idle = start_service("asr", "serve", "--port", "0", "--recognizers", "1")
    pool = AsrServicePool((busy, idle))
    assert service_load(busy) is not None and service_load(busy).streams == 0

    row = next(r for r in speech_rows if r["split"] == "heldout")
    pcm = read_wav(SPEECH / row["file"]).pcm
    done = threading.Event()
    threading.Thread(target=_flood, args=(busy, (pcm * 30)[: 60 * 32000], done), daemon=True).start()
    behind = wait_until(lambda: (load := service_load(busy)) and load.lag_ms >= 1000 and load, 30, "the flood to lag")
    assert behind.streams == 1
    assert pool.choose() == idle  # the new call does not queue behind the flooded one

    stop_idle()
    assert service_load(idle) is None
    assert pool.choose() == busy  # the dead one is skipped, even though the other is behind
    assert pool.answering()
    done.wait(120)


def test_a_station_starts_when_one_of_its_asr_services_answers(start_service, tmp_path) -> None:
    live, _ = start_service("asr", "serve", "--port", "0", "--recognizers", "1")
    dead = f"127.0.0.1:{free_port()}"
    config = parse_config({"data_dir": str(tmp_path), "station": {"asr_services": [dead, f"{live[0]}:{live[1]}"]}})
    services = AsrServices(config, None, recognizers=1)
    sink = services.start()
    assert isinstance(sink, AsrServicePool) and services.answering()
    assert sink.choose() == live

    nobody = parse_config({"data_dir": str(tmp_path), "station": {"asr_services": [dead]}})
    with pytest.raises(UserError, match=r"none of station\.asr_services answers"):
        AsrServices(nobody, None, recognizers=1).start()


def _probes(blackhole: socket.socket) -> int:
    """Connections made to a listening socket that never answers since last asked (each a probe of the pool)."""
    count = 0
    blackhole.setblocking(False)
    while True:
        try:
            connection, _ = blackhole.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def test_silent_services_are_asked_at_once_and_then_left_alone_for_a_while(start_service) -> None:
    live, _ = start_service("asr", "serve", "--port", "0", "--recognizers", "1")
    # Listening sockets that never answer: connections are taken by the kernel, status requests are never answered,
    # as with a host that is up but whose service hangs.
    with socket.create_server(("127.0.0.1", 0)) as first, socket.create_server(("127.0.0.1", 0)) as second:
        silent = [first.getsockname()[:2], second.getsockname()[:2]]
        pool = AsrServicePool((*silent, live), silent_seconds=2.0)
        started = time.monotonic()
        assert pool.choose() == live
        first_probe = time.monotonic()
        assert first_probe - started < 2 * PROBE_SECONDS - 0.05  # both waited for together, not one after the other
        assert (_probes(first), _probes(second)) == (1, 1)

        for _ in range(5):  # meanwhile the silent ones cost nothing
            asked = time.monotonic()
            assert pool.choose() == live
            assert time.monotonic() - asked < PROBE_SECONDS / 2
        assert (_probes(first), _probes(second)) == (0, 0)

        # Asked again once the interval is over, once each.
        wait_until(lambda: pool.choose() == live and _probes(first), 10, "the silent service to be asked again")
        assert time.monotonic() - first_probe >= 2.0
        assert _probes(second) == 1

        # Another process (a SIP worker) gets the addresses, not what this one learnt: it asks for itself.
        copy = pickle.loads(pickle.dumps(pool))
        assert copy == pool and copy.choose() == live
        assert (_probes(first), _probes(second)) == (1, 1)
        assert pool.answering()


def test_a_full_service_is_alive_but_not_chosen() -> None:
    full = AsrServer(None, max_connections=1)  # type: ignore[arg-type]  # status requests need no recogniser
    room = AsrServer(None)  # type: ignore[arg-type]
    for server in (full, room):
        server.serve_in_thread()
    try:
        with socket.create_connection(("127.0.0.1", full.port)) as call:
            call.sendall(wire.encode_uuid(str(uuid.uuid4())))
            wait_until(lambda: full.cap.open == 1, 10, "the call to be taken")
            full_address, room_address = ("127.0.0.1", full.port), ("127.0.0.1", room.port)
            load = service_load(full_address)
            assert load is not None and load.full
            assert AsrServicePool((full_address, room_address)).choose() == room_address
            alone = AsrServicePool((full_address,))
            assert alone.answering()  # alive: a station using it is ready, its next calls wait for room
            assert alone.choose() == full_address  # no other: the call is refused, and goes on untranscribed
    finally:
        for server in (full, room):
            server.shutdown()
            server.server_close()
