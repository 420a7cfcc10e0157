"""Asterisk's prompts are played by a process of the station's own: what it sends is each prompt, whole and in
order, and when that process dies the calls go on: the prompt it was playing is cut short and the next one plays."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator

import pytest

from dialer.telephony.asterisk.tap_server import TapServer
from tests.helpers import FramesHeard, call_stream

FRAME = 640  # 20 ms at 16 kHz, 16-bit


@pytest.fixture
def asterisk() -> Iterator[tuple[TapServer, socket.socket]]:
    with call_stream() as (taps, connection):
        yield taps, connection


def test_a_prompt_arrives_whole_and_a_new_one_replaces_the_one_playing(asterisk) -> None:  # type: ignore[no-untyped-def]
    taps, connection = asterisk
    heard, first_finished, finished = FramesHeard(connection), threading.Event(), threading.Event()
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
    heard, cut_short, finished = FramesHeard(connection), threading.Event(), threading.Event()
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
