"""AudioSocket framing, pure: bytes in, messages out, and back. No sockets here.

Each frame is a 1-byte kind, a 2-byte big-endian payload length, then the payload.
Asterisk's `AudioSocket()` sends KIND_UUID first, then 20 ms KIND_SLIN frames (8 kHz
signed 16-bit little-endian) and KIND_HANGUP at the end. tierdial adds KIND_SLIN16
for wideband audio from its own engine and KIND_RESULT for recognition results sent
back to the client as UTF-8 JSON, and KIND_STATUS: a connection that opens with it
(instead of a UUID) is answered with one KIND_RESULT of the service's load, then closed.
Its clients may also send KIND_LANGUAGE after the UUID and before the audio: the language
the callee speaks (the campaign's, a code such as `zh`); without it, the service's own.

A service that carries its cap of connections refuses a new one at once, whatever it was going to ask: one
KIND_ERROR frame whose text begins with `FULL` (`refused_full`), then the close. A status request gets that
refusal too, so whoever probes a service's load learns it is full (alive, and no place for a new call).
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
KIND_LANGUAGE = 0x31
MAX_LANGUAGE_BYTES = 8
KIND_ERROR = 0xFF
SAMPLE_RATES = {KIND_SLIN: 8000, KIND_SLIN16: 16000}
MAX_PAYLOAD = 0xFFFF
_HEADER = struct.Struct(">BH")
_KIND_NAMES = {KIND_HANGUP: "hang-up", KIND_UUID: "UUID", KIND_SILENCE: "silence", KIND_SLIN: "8 kHz audio",
               KIND_SLIN16: "16 kHz audio", KIND_RESULT: "result", KIND_LANGUAGE: "language",
               KIND_ERROR: "error"}  # fmt: skip
# What a call's sender (Asterisk, or a telephony engine) may send: results only ever travel the other way.
INBOUND_KINDS = frozenset({KIND_HANGUP, KIND_UUID, KIND_LANGUAGE, KIND_SILENCE, KIND_SLIN, KIND_SLIN16, KIND_ERROR})


FULL = "full:"


def refused_full(limit: int) -> bytes:
    """The frame that refuses a connection to a service carrying its cap of `limit` connections."""
    return encode(KIND_ERROR, f"{FULL} the service carries {limit} connections, its cap".encode())


def is_full(frame: Frame) -> bool:
    return frame.kind == KIND_ERROR and frame.payload.startswith(FULL.encode())


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

    def language(self) -> str:
        text = self.payload.decode("ascii", errors="replace")
        if self.kind != KIND_LANGUAGE or not 2 <= len(self.payload) <= MAX_LANGUAGE_BYTES or not text.isalpha():
            raise FramingError(f"a language frame whose payload is not a language code: {self.payload[:20]!r}")
        return text.lower()


def kind_name(kind: int) -> str:
    return _KIND_NAMES.get(kind, f"unknown kind 0x{kind:02x}")


def check_inbound(frame: Frame, seen_uuid: bool) -> None:
    """Raise `FramingError` for a frame no honest sender of a call's audio sends, saying what is wrong with it.

    `seen_uuid`: the connection has already named its call. A second name, or audio before the first, would put
    one call's words under another's id.
    """
    if frame.kind not in INBOUND_KINDS:
        raise FramingError(f"{kind_name(frame.kind)} frame of {len(frame.payload)} bytes is not accepted here")
    if frame.kind == KIND_UUID:
        if seen_uuid:
            raise FramingError("a second UUID frame: a connection carries one call")
        frame.call_uuid()
    elif frame.kind == KIND_LANGUAGE:
        if not seen_uuid:
            raise FramingError("a language before the call's UUID frame")
        frame.language()
    elif frame.kind in SAMPLE_RATES:
        if not seen_uuid:
            raise FramingError("audio before the call's UUID frame")
        if len(frame.payload) % 2:
            raise FramingError(f"{kind_name(frame.kind)} frame of {len(frame.payload)} bytes: not whole 16-bit samples")


def encode(kind: int, payload: bytes = b"") -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise FramingError(f"payload of {len(payload)} bytes is over the {MAX_PAYLOAD}-byte frame limit")
    return _HEADER.pack(kind, len(payload)) + payload


def encode_uuid(call_uuid: str) -> bytes:
    return encode(KIND_UUID, uuid.UUID(call_uuid).bytes)


def encode_language(language: str) -> bytes:
    return encode(KIND_LANGUAGE, language.encode("ascii"))


class FrameParser:
    """Feed it bytes as they arrive; it returns the frames completed so far."""

    def __init__(self, kinds: frozenset[int] | None = None) -> None:
        """`kinds`: the only kinds this end accepts; another is a `FramingError` as soon as its header is in, without
        waiting for the payload it claims (garbage rarely claims a length that then comes)."""
        self._buffer = bytearray()
        self._kinds = kinds

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames = []
        while len(self._buffer) >= _HEADER.size:
            kind, length = _HEADER.unpack_from(self._buffer)
            if self._kinds is not None and kind not in self._kinds:
                raise FramingError(f"{kind_name(kind)} frame of {length} bytes is not accepted here")
            end = _HEADER.size + length
            if len(self._buffer) < end:
                break
            frames.append(Frame(kind, bytes(self._buffer[_HEADER.size : end])))
            del self._buffer[:end]
        return frames

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def incomplete(self) -> str:
        """What is missing of the frame begun and not finished ("" when none is): for the log of a stalled sender."""
        if not self._buffer:
            return ""
        if len(self._buffer) < _HEADER.size:
            return f"{len(self._buffer)} of a frame header's {_HEADER.size} bytes"
        kind, length = _HEADER.unpack_from(self._buffer)
        return f"{len(self._buffer) - _HEADER.size} of a {kind_name(kind)} frame's {length} bytes"
