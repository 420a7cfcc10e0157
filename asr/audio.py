"""Reading recordings and shaping audio for the recogniser: 20 ms frames, 16 kHz."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from tierdial.errors import UserError

MODEL_RATE = 16_000
INPUT_RATES = (8_000, 16_000)
FRAME_MS = 20
_CONVERT_HINT = "convert it with: sox IN.wav -r 16000 -c 1 -b 16 OUT.wav"


@dataclass(frozen=True, slots=True)
class Recording:
    pcm: bytes
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


def read_wav(path: Path) -> Recording:
    """A mono 16-bit PCM WAV at 8 or 16 kHz; anything else is a clear error."""
    if not path.exists():
        raise UserError(f"{path}: file not found")
    if path.is_dir():
        raise UserError(f"{path}: is a folder, expected a .wav file")
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            pcm = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise UserError(f"{path}: not a readable WAV file ({exc})") from None
    if channels != 1:
        raise UserError(f"{path}: has {channels} channels, expected mono; {_CONVERT_HINT}")
    if width != 2:
        raise UserError(f"{path}: has {8 * width}-bit samples, expected 16-bit PCM; {_CONVERT_HINT}")
    if rate not in INPUT_RATES:
        raise UserError(f"{path}: sample rate {rate} Hz is not supported, use 8000 or 16000 Hz; {_CONVERT_HINT}")
    if not pcm:
        raise UserError(f"{path}: contains no audio")
    return Recording(pcm, rate)


def telephone_band(recording: Recording) -> Recording:
    """What a G.711 trunk leaves of a recording: 8 kHz, mu-law there and back (for measuring and testing the
    telephone band from wideband recordings)."""
    import audioop  # deprecated (gone in Python 3.13): imported here, so only those who measure meet its warning

    narrow = soxr.resample(np.frombuffer(recording.pcm, np.int16), recording.sample_rate, 8000, quality="HQ")
    return Recording(audioop.ulaw2lin(audioop.lin2ulaw(narrow.astype(np.int16).tobytes(), 2), 2), 8000)


def frames(pcm: bytes, sample_rate: int, ms: int = FRAME_MS) -> Iterator[bytes]:
    size = sample_rate * ms // 1000 * 2
    for start in range(0, len(pcm), size):
        yield pcm[start : start + size]


class ToModelRate:
    """Streaming resampler to the model's 16 kHz; a pass-through when already there.

    Narrowband (8 kHz) telephone audio is upsampled with a proper low-pass resampler,
    not sample repetition, which would fold aliases into the band the model listens to.
    """

    def __init__(self, input_rate: int) -> None:
        if input_rate not in INPUT_RATES:
            raise UserError(f"sample rate {input_rate} Hz is not supported, use 8000 or 16000 Hz")
        self.input_rate = input_rate
        self._stream = (
            None
            if input_rate == MODEL_RATE
            else soxr.ResampleStream(input_rate, MODEL_RATE, 1, dtype="int16", quality="HQ")
        )

    def convert(self, pcm: bytes, last: bool = False) -> bytes:
        if self._stream is None:
            return pcm
        samples = np.frombuffer(pcm, dtype=np.int16)
        return self._stream.resample_chunk(samples, last=last).tobytes()
