"""Streaming recognition with the real Korean model, in process and through the ASR service."""

from __future__ import annotations

import threading
import uuid

import numpy as np
import pytest
import soxr

from asr.audio import frames, read_wav
from asr.client import AsrClient
from asr.engine import AsrEngine
from tests.helpers import ROOT, SPEECH
from tierdial.messages import FinalTranscript, PartialTranscript

pytestmark = pytest.mark.realtime


def _recording(rows: list[dict], tier: str = "A", index: int = 0):
    row = [r for r in rows if r["split"] == "heldout" and r["tier"] == tier][index]
    return row, read_wav(SPEECH / row["file"])


def test_stream_gives_partials_then_a_timed_final(asr_engine: AsrEngine, speech_rows: list[dict]) -> None:
    for _ in range(2):  # the second stream reuses the first one's recogniser
        _, recording = _recording(speech_rows)
        stream = asr_engine.open_stream("call-1", recording.sample_rate)
        results = [r for f in frames(recording.pcm, 16000) for r in stream.feed(f)] + stream.close()
        partials = [r for r in results if isinstance(r, PartialTranscript)]
        finals = [r for r in results if isinstance(r, FinalTranscript)]
        assert partials and finals
        assert partials[0].at_ms < finals[-1].end_ms
        duration_ms = recording.seconds * 1000
        for final in finals:
            assert 0 <= final.start_ms < final.end_ms <= duration_ms + 50
            assert final.words and final.words[0].start_ms >= final.start_ms - 1


def test_narrowband_audio_is_accepted(asr_engine: AsrEngine, speech_rows: list[dict]) -> None:
    _, recording = _recording(speech_rows, "C")
    narrow = soxr.resample(np.frombuffer(recording.pcm, np.int16), 16000, 8000).astype(np.int16).tobytes()
    stream = asr_engine.open_stream("call-8k", 8000)
    results = [r for f in frames(narrow, 8000) for r in stream.feed(f)] + stream.close()
    finals = [r for r in results if isinstance(r, FinalTranscript)]
    assert finals and finals[-1].end_ms <= recording.seconds * 1000 + 50


def _stream_to_service(service: tuple[str, int], pcm: bytes, rate: int) -> tuple[list[dict], list[str]]:
    results: list[dict] = []
    client = AsrClient(*service, str(uuid.uuid4()), rate, results.append)
    for frame in frames(pcm, rate):
        client.send(frame)
    assert client.finish(timeout=60)
    return results, client.errors


def _burst_to_service(service: tuple[str, int], pcm: bytes) -> list[dict]:
    """All of a call's audio in one write, so that it is all waiting before the service has decoded much."""
    import json
    import socket

    from asr import audiosocket as wire

    burst = wire.encode_uuid(str(uuid.uuid4())) + b"".join(wire.encode(wire.KIND_SLIN16, f) for f in frames(pcm, 16000))
    results: list[dict] = []
    parser = wire.FrameParser()
    with socket.create_connection(service, timeout=60) as connection:
        connection.sendall(burst + wire.encode(wire.KIND_HANGUP))
        while True:
            data = connection.recv(65536)
            assert data, "the service closed the connection before its hang-up frame"
            for frame in parser.feed(data):
                if frame.kind == wire.KIND_HANGUP:
                    return results
                assert frame.kind == wire.KIND_RESULT, frame.payload
                results.append(json.loads(frame.payload))


def test_service_transcribes_concurrent_calls(asr_service, speech_rows: list[dict]) -> None:
    _, wideband = _recording(speech_rows, "B")
    _, other = _recording(speech_rows, "D")
    narrow = soxr.resample(np.frombuffer(other.pcm, np.int16), 16000, 8000).astype(np.int16).tobytes()
    outcomes: dict[str, tuple[list[dict], list[str]]] = {}
    calls = {"wide": (wideband.pcm, 16000), "narrow": (narrow, 8000)}
    threads = [
        threading.Thread(target=lambda k=k, a=a: outcomes.__setitem__(k, _stream_to_service(asr_service, *a)))
        for k, a in calls.items()
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for name, (results, errors) in outcomes.items():
        assert errors == [], name
        finals = [r for r in results if r["type"] == "final"]
        assert finals and finals[-1]["text"], name
        assert all(r["call_id"] == results[0]["call_id"] for r in results)
    assert set(outcomes) == {"wide", "narrow"}


def test_service_rejects_audio_before_the_call_id(asr_service) -> None:
    import socket

    from asr import audiosocket as wire

    with socket.create_connection(asr_service, timeout=10) as s:
        s.sendall(wire.encode(wire.KIND_SLIN16, b"\x00" * 640))
        frames_back = wire.FrameParser().feed(s.recv(1024))
    assert frames_back[0].kind == wire.KIND_ERROR and b"UUID" in frames_back[0].payload


def test_character_error_rate() -> None:
    from asr.metrics import character_error_rate

    assert character_error_rate("전화 주세요", "전화주세요") == 0
    assert character_error_rate("전화 주세요", "정화 주세요") == 0.2
    assert character_error_rate("abc", "") == 1


def test_service_reports_how_far_behind_it_is(asr_service, speech_rows: list[dict]) -> None:
    _, recording = _recording(speech_rows, "B")
    pcm = (recording.pcm * 3)[: 6 * 32000]  # six seconds in one write: far faster than a call would send it
    results = _burst_to_service(asr_service, pcm)
    progress = [r for r in results if r["type"] == "progress"]
    assert [p["heard_ms"] for p in progress] == sorted(p["heard_ms"] for p in progress)
    assert len(progress) >= 10 and progress[-1]["heard_ms"] >= 5000
    assert progress[0]["lag_ms"] >= 1000  # much of the burst was still waiting when the first half second was done
    assert progress[-1]["lag_ms"] < progress[0]["lag_ms"]
    # The time spent decoding grows with the audio, and stays well under it (the real-time factor in /metrics).
    assert [p["decode_ms"] for p in progress] == sorted(p["decode_ms"] for p in progress)
    assert 0 < progress[-1]["decode_ms"] < progress[-1]["heard_ms"]


def test_sending_never_waits_on_a_service_that_stopped_reading() -> None:
    import socket
    import time

    with socket.create_server(("127.0.0.1", 0)) as stuck:
        client = AsrClient("127.0.0.1", stuck.getsockname()[1], str(uuid.uuid4()), 16000, lambda _: None)
        started = time.monotonic()
        for _ in range(10 * 60 * 50):  # ten minutes of 20 ms frames: more than the kernel's buffers hold
            client.send(bytes(640))
        client.hang_up()  # the call ends: the SIP process hangs the stream up from its own thread too
        assert time.monotonic() - started < 10  # nothing blocked the caller (a SIP process's media clock)
        assert client.dropped_bytes > 0  # past the queue's limit, the oldest audio went


def test_the_service_ends_when_terminated_even_by_a_burst_of_signals() -> None:
    """A station killed with -9 makes the kernel send its ASR service SIGTERM, and whoever stops it may send more:
    a second SIGTERM arriving during the first's shutdown once hung the service for good, holding its port."""
    import os
    import signal
    import time

    from tierdial.processes import start_service

    service = start_service(["asr", "serve", "--port", "0", "--recognizers", "1"], "listening on", cwd=ROOT)
    try:
        deadline = time.monotonic() + 3  # signals all through its shutdown (the server looks every 0.5 s)
        while service.process.poll() is None and time.monotonic() < deadline:
            os.kill(service.pid, signal.SIGTERM)
        assert service.process.wait(timeout=20) == 0, service.errors()
    finally:
        service.stop()


def test_a_call_is_heard_whole_when_its_asr_service_dies_mid_utterance_and_restarts(speech_rows: list[dict]) -> None:
    """The service killed while the callee speaks: the call's audio is held, and replayed to the service once it is
    back on its port; the words come out as if nothing had happened, on the call's own time line."""
    import os
    import signal

    from tests.helpers import wait_until
    from tierdial.processes import start_service

    _, recording = _recording(speech_rows, "E")
    listening = bytes(5 * 32000)  # the callee hears the bot's opening: the service says there is nothing to replay
    call = [*frames(listening + recording.pcm, 16000)]
    service = start_service(["asr", "serve", "--port", "0", "--recognizers", "1"], "listening on", cwd=ROOT)
    try:
        unbroken, errors = _stream_to_service(service.address, listening + recording.pcm, 16000)
        assert errors == [] and [r for r in unbroken if r["type"] == "final"]
        results: list[dict] = []
        client = AsrClient(*service.address, str(uuid.uuid4()), 16000, results.append)
        halfway = (len(listening) + len(recording.pcm) // 2) // 640
        for frame in call[:halfway]:  # halfway through the utterance
            client.send(frame)
        wait_until(lambda: [r for r in results if r["type"] == "partial" and r["text"]], 30, "the callee being heard")
        os.kill(service.pid, signal.SIGKILL)
        service.process.wait(10)
        for frame in call[halfway:]:  # the callee goes on talking while there is no service
            client.send(frame)
        service = start_service(["asr", "serve", "--port", str(service.address[1]), "--recognizers", "1"],
                                "listening on", cwd=ROOT)  # fmt: skip
        wait_until(lambda: client.reconnections == 1, 30, "the stream taken up by the restarted service")
        assert client.finish(timeout=60)
    finally:
        service.stop()
    finals = [(r["text"], r["start_ms"], r["end_ms"]) for r in results if r["type"] == "final"]
    assert finals == [(r["text"], r["start_ms"], r["end_ms"]) for r in unbroken if r["type"] == "final"], finals
    assert client.dropped_bytes == 0
    # The utterance, not the silence before it: the service says how far it has settled every half second of audio,
    # short of the gate's 0.3 s preroll.
    assert client.replayed_ms < recording.seconds * 1000 + 800
