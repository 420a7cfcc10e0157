"""A station using ASR services on other machines: each new call goes to the least-lagged one; a dead one is skipped."""

from __future__ import annotations

import threading
import uuid

import pytest

from asr import audiosocket as wire
from asr.audio import frames, read_wav
from asr.service_pool import AsrServicePool, service_load
from station.asr_services import AsrServices
from tests.helpers import SPEECH, wait_until
from tierdial.config import parse_config
from tierdial.errors import UserError
from tierdial.ports import free_port


def _flood(address: tuple[str, int], pcm: bytes, done: threading.Event) -> None:
    """A minute of a call's audio in one write: the service is behind on it for several seconds."""
    import socket

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
