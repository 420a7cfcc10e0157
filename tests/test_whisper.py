"""The Whisper second pass: its model's integrity, its failure modes, and telephone-band calls end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from asr import whisper_model
from asr.audio import frames, read_wav, telephone_band
from asr.backend import HeardWord
from asr.engine import AsrEngine
from asr.whisper_text import Segment, heard, split
from tests.helpers import SPEECH
from tierdial.errors import UserError
from tierdial.messages import FinalTranscript, PartialTranscript


@pytest.fixture(scope="module")
def two_pass() -> Iterator[AsrEngine]:
    engine = AsrEngine(warm_recognizers=1, backend="vosk+whisper")
    yield engine
    engine.close()


def _words(*texts: str, start: float = 0.0, step: float = 0.3) -> tuple[HeardWord, ...]:
    return tuple(HeardWord(t, start + i * step, start + (i + 1) * step) for i, t in enumerate(texts))


def test_a_looping_decode_is_collapsed_and_a_hopeless_one_dropped() -> None:
    looped = heard(_words(" 전화", " 그만", " 전화", " 그만", " 전화", " 그만", " 하세요."))
    assert looped.text == "전화 그만 하세요"
    assert heard(_words(" 네", " 네.")).text == "네 네"  # said twice is speech, not a loop
    assert heard(_words("ㅋ" * 60)).text == ""


def test_mandarin_is_written_in_simplified_characters_whichever_script_whisper_chose() -> None:
    said = heard(_words("請", "不要", "再打", "電話", "給我", "乾淨", "一點"), "zh")
    assert said.text == "请不要再打电话给我干净一点"  # 乾 folds by its word: 乾淨 is 干净 (乾隆 would stay)
    assert [w.text for w in said.words][:4] == ["请", "不要", "再打", "电话"]  # the words keep their times
    assert heard(_words(" 電話", " 주세요"), "ko").text == "電話 주세요"  # only Mandarin is folded


def test_words_go_back_to_their_utterance_and_none_to_the_silence_between() -> None:
    segments = [
        Segment(_words(" 수신", " 거부", start=0.1), no_speech_prob=0.01, avg_logprob=-0.3),
        Segment(_words(" 시청해", " 주셔서", " 감사합니다", start=2.0), no_speech_prob=0.1, avg_logprob=-0.4),
        Segment(_words(" 네", start=4.1), no_speech_prob=0.02, avg_logprob=-0.2),
        Segment(_words(" 구독", start=4.5), no_speech_prob=0.9, avg_logprob=-1.4),  # "no speech" and unsure
    ]
    first, second = split(segments, [(0.0, 1.0), (4.0, 5.0)])
    assert [w.text for w in first] == [" 수신", " 거부"] and first[0].start_s == pytest.approx(0.1)
    assert [w.text for w in second] == [" 네"] and second[0].start_s == pytest.approx(0.1)


def test_model_files_that_do_not_match_their_pinned_hash_are_refused(tmp_path: Path, monkeypatch) -> None:
    forged = tmp_path / "package"
    forged.mkdir()
    for name in ("model.bin.part1", "model.bin.part2", *[n for n in whisper_model.FILES if n != "model.bin"]):
        (forged / name).write_bytes(b"not the published file")
    monkeypatch.setattr(whisper_model, "_package_data", lambda package: forged)
    with pytest.raises(UserError, match=r"sha256 .* expected .* refusing to load it"):
        whisper_model.model_folder(tmp_path / "cache")
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith("model.bin")]


def test_a_tampered_cache_is_joined_again_from_the_packages(tmp_path: Path) -> None:
    cache = whisper_model.model_folder(tmp_path / "cache")
    (cache / "config.json").write_text("{}")
    assert whisper_model.model_folder(cache) == cache
    assert whisper_model._sha256(cache / "config.json") == whisper_model.FILES["config.json"]


def test_a_telephone_band_opt_out_gets_whisper_finals_and_vosk_partials(
    two_pass: AsrEngine, speech_rows: list[dict]
) -> None:
    row = next(r for r in speech_rows if r["split"] == "heldout" and r["tier"] == "E")
    pcm = bytes(8000 * 2) + telephone_band(read_wav(SPEECH / row["file"])).pcm + bytes(8000 * 2 * 2)
    stream = two_pass.open_stream("g711", 8000)
    results = [r for f in frames(pcm, 8000) for r in stream.feed(f)] + stream.close()
    finals = [r for r in results if isinstance(r, FinalTranscript)]
    assert [r for r in results if isinstance(r, PartialTranscript)]
    assert len(finals) == 1 and finals[0].text and finals[0].words
    assert 800 <= finals[0].start_ms < finals[0].end_ms <= len(pcm) // 16
    # Vosk's reading of the same utterance rides along, for the opt-out rules.
    partials = [r for r in results if isinstance(r, PartialTranscript)]
    assert finals[0].other_readings == (partials[-1].text,), (finals[0].text, partials[-1].text)


def test_noise_and_silence_give_no_final(two_pass: AsrEngine) -> None:
    rng = np.random.default_rng(7)
    hiss = (rng.normal(0, 600, 8000 * 4)).astype(np.int16).tobytes()
    stream = two_pass.open_stream("hiss", 8000)
    pcm = bytes(8000 * 2) + hiss + bytes(8000 * 2 * 2)
    results = [r for f in frames(pcm, 8000) for r in stream.feed(f)] + stream.close()
    assert [r for r in results if isinstance(r, FinalTranscript)] == []
