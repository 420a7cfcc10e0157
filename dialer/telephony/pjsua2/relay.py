"""Audio between two SIP worker processes, for a callee and an agent whose legs live apart.

Each call slot owns a relay port on the conference bridge with a UDP socket on loopback.
Bridged across workers, each side's port sends every 20 ms frame it receives from its
call to the other side's socket, and answers the bridge's request for a frame with the
oldest one the other side sent. Both bridges tick every 20 ms, so the queue stays short;
it is capped so that clock drift can never build up delay.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import socket
from typing import Any

import pjsua2 as pj

from dialer.telephony.pjsua2.endpoint import audio_format, frame_bytes

MAX_QUEUED_FRAMES = 4  # 80 ms: more than that and the oldest go, keeping the delay short
_MAX_DATAGRAM = 4096


class FrameQueue:
    """The frames received from the other side, oldest first, never longer than `limit`."""

    def __init__(self, limit: int = MAX_QUEUED_FRAMES) -> None:
        self._frames: collections.deque[bytes] = collections.deque(maxlen=limit)

    def push(self, frame: bytes) -> None:
        self._frames.append(frame)

    def pop(self) -> bytes | None:
        return self._frames.popleft() if self._frames else None

    def clear(self) -> None:
        self._frames.clear()

    def __len__(self) -> int:
        return len(self._frames)


class RelayPort(pj.AudioMediaPort):
    """A bridge port whose audio comes from, and goes to, another worker's relay port."""

    def __init__(self, name: str, host: str = "127.0.0.1") -> None:
        super().__init__()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((host, 0))
        self._socket.setblocking(False)
        self.port = int(self._socket.getsockname()[1])
        self._peer: tuple[str, int] | None = None
        self._queue = FrameQueue()
        self.createPort(name, audio_format())

    def connect(self, host: str, port: int) -> None:
        self._drain()
        self._queue.clear()
        self._peer = (host, port)

    def disconnect(self) -> None:
        self._peer = None
        self._drain()
        self._queue.clear()

    def onFrameReceived(self, frame: Any) -> None:
        peer = self._peer
        if peer is not None and frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO:
            with contextlib.suppress(OSError):  # the other side is gone; its worker reports the call's end
                self._socket.sendto(frame_bytes(frame), peer)

    def onFrameRequested(self, frame: Any) -> None:
        peer = self._peer
        if peer is None:
            return
        for datagram, sender in self._drain():
            if sender == peer:  # a leg this port was relaying for before may still be sending
                self._queue.push(datagram)
        audio = self._queue.pop()
        if audio:
            _write_frame(frame, audio)

    def _drain(self) -> list[tuple[bytes, tuple[str, int]]]:
        received = []
        while True:
            try:
                received.append(self._socket.recvfrom(_MAX_DATAGRAM))
            except BlockingIOError:
                return received

    def close(self) -> None:
        self._peer = None
        self._socket.close()


def _write_frame(frame: Any, audio: bytes) -> None:
    """Fill a requested MediaFrame through the vector's data pointer, as `frame_bytes` reads one."""
    frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
    frame.buf.resize(len(audio))
    data = ctypes.c_void_p.from_address(int(frame.buf.this)).value
    ctypes.memmove(data, audio, len(audio))
