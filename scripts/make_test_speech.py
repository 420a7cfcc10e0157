"""Synthesize the Korean test speech: 16 kHz mono WAVs of the corpus utterances.

Run once by a developer; the WAVs and their manifest are committed, so users and CI
never need to render them again. The voice is the product's own renderer of written
prompts (`dialer/speech_render.py`: Kokoro-82M driven by espeak-ng's phonemes).

    python scripts/make_test_speech.py            # regenerate everything
    python scripts/make_test_speech.py --only heldout
    python scripts/make_test_speech.py --only dialogue

Kokoro does not render a sentence exactly alike twice, and the recogniser hears each rendering its own way: after
regenerating, check that the tests still hear what they expect (the dialogue lines are chosen so that the live call
hears them as tests/test_opt_out_confirmation.py expects).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from tqdm import tqdm

from dialer.optout_check import question
from dialer.speech_render import VOICE, Kokoro, wav_bytes

ROOT = Path(__file__).resolve().parent.parent
SPEECH_DIR = ROOT / "intent" / "data" / "speech"
SPLITS = {"train": ROOT / "intent/data/corpus/ko.jsonl", "heldout": ROOT / "intent/data/heldout/ko.jsonl"}

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
    "confirm_opt_out": question("ko"),
}


# Callees' lines in conversations with the bot, as the tests' simulated callees say them (intent/data/speech/dialogue).
DIALOGUE_DIR = SPEECH_DIR / "dialogue"
DIALOGUE = {
    # A hesitant refusal the model reads as an opt-out, but not surely, and no rule decides: the bot asks before
    # acting. A complaint about repeated calls will not do: that is an opt-out by rule, decided at once. Chosen on
    # the live calls of both engines (tests/test_opt_out_confirmation.py), said a little slowly (see SPEEDS): heard
    # "이 제 그 만 했어도 할것 같은데", warm first at 0.50, opt-out second at 0.30 (scripts/dialogue_ask_check.py).
    # ("앞으로는 안 하셔도 돼요" served until the corpus's fourth round made it a sure opt-out.)
    "ko_no_need_any_more": "이제 그만해도 될 것 같은데요",
    # Answers to "이 번호로 더 이상 전화드리지 않기를 원하십니까?"
    "ko_yes_do_that": "네 맞아요 그렇게 해 주세요",
    "ko_threat_to_report": "한 번만 더 전화하면 신고할 거예요",
    "ko_no_not_that": "아니요 그건 아니에요",
}


SPEEDS = {"ko_no_need_any_more": 0.9}  # the speed the line was chosen at; 1.0 otherwise


def make_dialogue(kokoro: Kokoro) -> None:
    DIALOGUE_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in tqdm(DIALOGUE.items(), desc="dialogue", unit="line"):
        (DIALOGUE_DIR / f"{name}.wav").write_bytes(wav_bytes(kokoro.speak_korean(text, SPEEDS.get(name, 1.0))))


def make_prompts(kokoro: Kokoro) -> None:
    PROMPTS_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in tqdm(PROMPTS.items(), desc="prompts", unit="prompt"):
        (PROMPTS_DIR / f"{name}.wav").write_bytes(wav_bytes(kokoro.speak_korean(text)))
    (PROMPTS_DIR / "prompts.json").write_text(json.dumps(PROMPTS, ensure_ascii=False, indent=1), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=[*sorted(SPLITS), "prompts", "dialogue"], help="regenerate one part only")
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is not installed: apt-get install espeak-ng")

    kokoro = Kokoro(VOICE)
    if args.only in (None, "prompts"):
        make_prompts(kokoro)
    if args.only in (None, "dialogue"):
        make_dialogue(kokoro)
    if args.only in ("prompts", "dialogue"):
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
            name = f"ko_{utterance['tier']}_{index:03d}.wav"
            (out_dir / name).write_bytes(wav_bytes(kokoro.speak_korean(utterance["text"])))
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
