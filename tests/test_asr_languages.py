"""One ASR service hears campaigns in several languages: Korean through the Vosk model, English and Mandarin
through Whisper. A stream names its callee's language; a language the service does not hear is refused with a
reason, and the call goes on untranscribed rather than being heard as the wrong language."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from asr import audiosocket as wire
from asr.audio import read_wav
from asr.client import AsrClient
from asr.engine import AsrEngine
from asr.service import AsrServer
from intent.classifier import IntentModel
from tests.helpers import spoken_wav
from tierdial.errors import UserError

RATE = 16000
PROMPTS = Path(__file__).parents[1] / "dialer" / "prompts"
FRAME_BYTES = RATE * 2 // 50  # 20 ms


def _spoken(tmp_path: Path, voice: str, text: str) -> bytes:
    """`text` said by espeak-ng's `voice`, at 16 kHz, with silence around it as on a call."""
    return bytes(RATE) + read_wav(spoken_wav(tmp_path / f"{voice}.wav", voice, text)).pcm + bytes(3 * RATE)


@pytest.fixture(scope="module")
def service() -> Iterator[AsrServer]:
    engine = AsrEngine(warm_recognizers=1, language="ko", also=("en", "zh"))
    server = AsrServer(engine)
    server.serve_in_thread()
    yield server
    server.shutdown()
    server.server_close()
    engine.close()


def _stream(server: AsrServer, pcm: bytes, language: str) -> tuple[list[dict], list[str]]:
    results: list[dict] = []
    client = AsrClient("127.0.0.1", server.port, str(uuid.uuid4()), RATE, results.append, language=language)
    for start in range(0, len(pcm), FRAME_BYTES):
        client.send(pcm[start : start + FRAME_BYTES])
    assert client.finish(timeout=120), "the service never finished the stream"
    return [r for r in results if r["type"] == "final"], client.errors


def test_an_english_campaigns_opt_out_is_heard_in_english(
    tmp_path: Path, service: AsrServer, intent_model: IntentModel
) -> None:
    said = _spoken(tmp_path, "en-us", "Stop calling me. Take my number off your list.")
    finals, errors = _stream(service, said, "en")
    text = " ".join(f["text"] for f in finals).lower()
    assert not errors and "stop" in text and "call" in text, (text, errors)
    assert intent_model.classify(text).tier == "E", text  # and understood as the opt-out it is


def test_a_mandarin_stream_is_heard_as_mandarin(service: AsrServer) -> None:
    """Mandarin speech (the bot's own goodbye to an opt-out: espeak-ng's Mandarin is not understandable enough)."""
    recording = read_wav(PROMPTS / "zh" / "opt_out.wav")
    finals, errors = _stream(service, bytes(RATE) + recording.pcm + bytes(3 * RATE), "zh")
    text = "".join(f["text"] for f in finals)
    # Whisper writes Mandarin in either script; it is heard as simplified (tierdial.hanzi).
    assert not errors and "电话" in text and "名单" in text, (text, errors)


def test_a_language_the_service_does_not_hear_is_refused_with_a_reason(tmp_path: Path, service: AsrServer) -> None:
    finals, errors = _stream(service, _spoken(tmp_path, "fr", "Arrêtez de m'appeler."), "fr")
    assert finals == [] and len(errors) == 1
    assert "no recogniser for language 'fr'" in errors[0] and "ko, en, zh" in errors[0]


def test_an_engine_asked_for_a_language_it_was_not_given_says_which_it_has() -> None:
    engine = AsrEngine(warm_recognizers=1, language="ko")
    try:
        assert engine.languages == ("ko",)
        with pytest.raises(UserError, match=r"no recogniser for language 'en'.*ko"):
            engine.open_stream("call", RATE, language="en")
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("frames", "reason"),
    [
        ([wire.encode_language("en")], "a language before the call's UUID"),
        ([wire.encode_uuid(str(uuid.uuid4())), wire.encode(wire.KIND_LANGUAGE, b"e\x00")], "not a language code"),
    ],
)
def test_a_language_frame_out_of_place_or_garbled_is_refused(frames: list[bytes], reason: str) -> None:
    parsed = wire.FrameParser(wire.INBOUND_KINDS).feed(b"".join(frames))
    with pytest.raises(wire.FramingError, match=reason):
        seen = False
        for frame in parsed:
            wire.check_inbound(frame, seen_uuid=seen)
            seen = seen or frame.kind == wire.KIND_UUID
