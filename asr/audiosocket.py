"""AudioSocket framing, pure: bytes in, messages out, and back. No sockets here.

Each frame is a 1-byte kind, a 2-byte big-endian payload length, then the payload.
Asterisk's `AudioSocket()` sends KIND_UUID first, then 20 ms KIND_SLIN frames (8 kHz
signed 16-bit little-endian) and KIND_HANGUP at the end. tierdial adds KIND_SLIN16
for wideband audio from its own engine and KIND_RESULT for recognition results sent
back to the client as UTF-8 JSON, and KIND_STATUS: a connection that opens with it
(instead of a UUID) is answered with one KIND_RESULT of the service's load, then closed.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass

KIND_HANGUP = 0x00
KIND_UUID = 0x01
KIND_SILENCE = 0x02
KIND_SLIN = 0x10
KIND_SLIN16 = 0x12
KIND_RESULT = 0x20
KIND_STATUS = 0x30
KIND_ERROR = 0xFF
SAMPLE_RATES = {KIND_SLIN: 8000, KIND_SLIN16: 16000}
MAX_PAYLOAD = 0xFFFF
_HEADER = struct.Struct(">BH")


class FramingError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Frame:
    kind: int
    payload: bytes

    def call_uuid(self) -> str:
        if self.kind != KIND_UUID or len(self.payload) != 16:
            raise FramingError("not a 16-byte UUID frame")
        return str(uuid.UUID(bytes=self.payload))


def encode(kind: int, payload: bytes = b"") -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise FramingError(f"payload of {len(payload)} bytes is over the {MAX_PAYLOAD}-byte frame limit")
    return _HEADER.pack(kind, len(payload)) + payload


def encode_uuid(call_uuid: str) -> bytes:
    return encode(KIND_UUID, uuid.UUID(call_uuid).bytes)


class FrameParser:
    """Feed it bytes as they arrive; it returns the frames completed so far."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames = []
        while len(self._buffer) >= _HEADER.size:
            kind, length = _HEADER.unpack_from(self._buffer)
            end = _HEADER.size + length
            if len(self._buffer) < end:
                break
            frames.append(Frame(kind, bytes(self._buffer[_HEADER.size : end])))
            del self._buffer[:end]
        return frames

    @property
    def pending(self) -> int:
        return len(self._buffer)
