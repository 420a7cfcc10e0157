"""Recordings a user hands us: what is accepted and how the rest is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from asr.audio import MODEL_RATE, ToModelRate, frames, read_wav
from tests.helpers import write_wav
from tierdial.errors import UserError

TONE = (np.sin(np.arange(16000) / 16000 * 2 * np.pi * 440) * 8000).astype(np.int16)


def test_accepts_8_and_16_khz_mono(tmp_path: Path) -> None:
    for rate in (8000, 16000):
        recording = read_wav(write_wav(tmp_path / f"{rate}.wav", TONE[:rate], rate))
        assert recording.sample_rate == rate and recording.seconds == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "file not found"),
        (lambda p: (p.write_bytes(b"RIFF\x00\x00not a wave at all"), p)[1], "not a readable WAV"),
        (lambda p: (p.write_bytes(b""), p)[1], "not a readable WAV"),
        (lambda p: write_wav(p, np.repeat(TONE, 2), 16000, channels=2), "expected mono"),
        (lambda p: write_wav(p, (TONE >> 8).astype(np.uint8), 16000, width=1), "expected 16-bit"),
        (lambda p: write_wav(p, TONE, 44100), "44100 Hz is not supported"),
        (lambda p: write_wav(p, TONE[:0], 16000), "contains no audio"),
    ],
)
def test_bad_recordings_are_refused_clearly(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match=message):
        read_wav(make(tmp_path / "input.wav"))


def test_frames_are_20_ms() -> None:
    pcm = TONE.tobytes()
    chunks = list(frames(pcm, 16000))
    assert len(chunks) == 50 and all(len(c) == 640 for c in chunks)


def test_narrowband_is_resampled_to_the_model_rate_in_a_stream() -> None:
    narrow = TONE[::2].copy()  # 8 kHz, one second
    resampler = ToModelRate(8000)
    out = b"".join(resampler.convert(c) for c in frames(narrow.tobytes(), 8000)) + resampler.convert(b"", last=True)
    samples = np.frombuffer(out, dtype=np.int16)
    assert abs(len(samples) - MODEL_RATE) <= 2
    spectrum = np.abs(np.fft.rfft(samples.astype(float)))
    assert abs(np.argmax(spectrum) * MODEL_RATE / len(samples) - 440) < 5  # the tone is kept, not aliased
    assert ToModelRate(16000).convert(b"abcd") == b"abcd"
