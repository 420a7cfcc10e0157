"""The AudioSocket parser, fed bytes the way TCP delivers them: in arbitrary pieces."""

from __future__ import annotations

import uuid

import pytest

from asr import audiosocket as wire

CALL = str(uuid.UUID("12345678-1234-5678-1234-567812345678"))


def _stream() -> bytes:
    return (
        wire.encode_uuid(CALL)
        + wire.encode(wire.KIND_SLIN, b"\x01\x00" * 160)
        + wire.encode(wire.KIND_SLIN16, b"\x02\x00" * 320)
        + wire.encode(wire.KIND_HANGUP)
    )


@pytest.mark.parametrize("piece", [1, 2, 3, 7, 100, 10_000])
def test_frames_survive_any_split(piece: int) -> None:
    data = _stream()
    parser = wire.FrameParser()
    frames = [f for i in range(0, len(data), piece) for f in parser.feed(data[i : i + piece])]
    assert [f.kind for f in frames] == [wire.KIND_UUID, wire.KIND_SLIN, wire.KIND_SLIN16, wire.KIND_HANGUP]
    assert frames[0].call_uuid() == CALL
    assert len(frames[1].payload) == 320 and len(frames[2].payload) == 640
    assert parser.pending == 0


def test_header_is_kind_then_big_endian_length() -> None:
    assert wire.encode(wire.KIND_SLIN, b"\x00" * 320)[:3] == bytes([0x10, 0x01, 0x40])
    assert wire.encode(wire.KIND_HANGUP) == b"\x00\x00\x00"


def test_incomplete_frame_waits_for_more() -> None:
    parser = wire.FrameParser()
    assert parser.feed(wire.encode(wire.KIND_SLIN, b"\x00" * 320)[:100]) == []
    assert parser.pending == 100


def test_oversized_payload_and_bad_uuid_are_errors() -> None:
    with pytest.raises(wire.FramingError):
        wire.encode(wire.KIND_SLIN, b"\x00" * 70_000)
    with pytest.raises(wire.FramingError):
        wire.Frame(wire.KIND_UUID, b"short").call_uuid()


def test_a_kind_not_accepted_is_an_error_as_soon_as_its_header_is_in() -> None:
    parser = wire.FrameParser(wire.INBOUND_KINDS)
    with pytest.raises(wire.FramingError, match="unknown kind 0x47 frame of 17748 bytes"):
        parser.feed(b"GET / HTTP/1.1")  # the payload it claims never comes; the parser does not wait for it
    with pytest.raises(wire.FramingError, match="result frame"):
        wire.FrameParser(wire.INBOUND_KINDS).feed(wire.encode(wire.KIND_RESULT, b"{}")[:3])


@pytest.mark.parametrize(
    ("frame", "seen_uuid", "error"),
    [
        (wire.Frame(wire.KIND_SLIN16, bytes(640)), False, "before the call's UUID"),
        (wire.Frame(wire.KIND_SLIN, bytes(321)), True, "not whole 16-bit samples"),
        (wire.Frame(wire.KIND_UUID, uuid.UUID(CALL).bytes), True, "second UUID"),
        (wire.Frame(wire.KIND_UUID, b"\x01" * 17), False, "16-byte UUID"),
        (wire.Frame(0x33, b""), True, "unknown kind 0x33"),
    ],
)
def test_inbound_frames_an_honest_sender_never_sends(frame: wire.Frame, seen_uuid: bool, error: str) -> None:
    with pytest.raises(wire.FramingError, match=error):
        wire.check_inbound(frame, seen_uuid)


def test_inbound_frames_of_a_call_pass() -> None:
    for frame in wire.FrameParser(wire.INBOUND_KINDS).feed(_stream()):
        wire.check_inbound(frame, seen_uuid=frame.kind != wire.KIND_UUID)


def test_a_frame_begun_says_what_is_missing() -> None:
    parser = wire.FrameParser()
    assert parser.incomplete() == ""
    parser.feed(b"\x12")
    assert parser.incomplete() == "1 of a frame header's 3 bytes"
    parser.feed(b"\xff\xff" + bytes(10))
    assert parser.incomplete() == "10 of a 16 kHz audio frame's 65535 bytes"
