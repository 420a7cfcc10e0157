"""Asterisk's prompts are played by a process of the station's own: what it sends is each prompt, whole and in
order, and when that process dies the calls go on: the prompt it was playing is cut short and the next one plays."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Iterator

import pytest

from asr import audiosocket as wire
from asr.client import AsrAudio
from dialer.telephony.asterisk.tap_server import TapServer
from tierdial.ports import free_port

FRAME = 640  # 20 ms at 16 kHz, 16-bit


@pytest.fixture
def asterisk() -> Iterator[tuple[TapServer, socket.socket]]:
    """A tap server and one call's stream into it, as Asterisk would connect it."""
    taps = TapServer(AsrAudio("127.0.0.1", free_port()), lambda message: None)
    taps.serve_in_thread()
    stream = str(uuid.uuid4())
    taps.expect(stream, "call")
    host, port = taps.address.rsplit(":", 1)
    connection = socket.create_connection((host, int(port)))
    connection.sendall(wire.encode_uuid(stream))
    yield taps, connection
    connection.close()
    taps.shutdown()
    taps.server_close()


class _Heard:
    """What Asterisk receives on the call's stream, frame by frame."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection, self.frames = connection, list[bytes]()
        self._parser = wire.FrameParser({wire.KIND_SLIN16})
        connection.settimeout(10)  # a recv that waits longer fails the test

    def until(self, enough: Callable[[list[bytes]], bool]) -> list[bytes]:
        while not enough(self.frames):
            self.frames += [frame.payload for frame in self._parser.feed(self.connection.recv(65536))]
        return self.frames


def test_a_prompt_arrives_whole_and_a_new_one_replaces_the_one_playing(asterisk) -> None:  # type: ignore[no-untyped-def]
    taps, connection = asterisk
    heard, first_finished, finished = _Heard(connection), threading.Event(), threading.Event()
    first, second = bytes([1]) * FRAME * 100, bytes([2]) * FRAME * 5
    assert taps.play("call", first, first_finished.set, wait=1)
    heard.until(lambda frames: len(frames) >= 3)
    assert taps.play("call", second, finished.set, wait=1)
    assert finished.wait(10)
    frames = heard.until(lambda frames: frames.count(bytes([2]) * FRAME) == 5)
    assert all(len(frame) == FRAME for frame in frames) and frames[0] == bytes([1]) * FRAME
    assert frames[-5:] == [bytes([2]) * FRAME] * 5  # the second prompt whole, nothing of the first after it
    assert len(frames) < 100 + 5 and not first_finished.is_set()  # a replaced prompt never finishes


def test_a_killed_player_cuts_its_prompt_short_and_the_next_prompt_plays(  # type: ignore[no-untyped-def]
    asterisk, caplog: pytest.LogCaptureFixture
) -> None:
    taps, connection = asterisk
    heard, cut_short, finished = _Heard(connection), threading.Event(), threading.Event()
    assert taps.play("call", bytes(FRAME * 3000), cut_short.set, wait=1)  # a minute of prompt
    heard.until(lambda frames: len(frames) >= 2)
    killed = taps.player.pid
    assert killed is not None
    with caplog.at_level(logging.ERROR):
        os.kill(killed, signal.SIGKILL)
        assert cut_short.wait(10), "the call flow is told the prompt is over, and moves on"
    assert any("prompt player process ended" in r.getMessage() and "1 prompts cut short" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    assert taps.play("call", bytes([7]) * FRAME * 5, finished.set, wait=1)
    assert finished.wait(10)
    assert taps.player.pid not in (None, killed)
    heard.until(lambda frames: frames.count(bytes([7]) * FRAME) == 5)
