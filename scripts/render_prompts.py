"""Render the bot's prompts of one or more languages to the WAVs it plays: dialer/prompts/<language>/<name>.wav,
16 kHz mono, from the words in prompts.json (Mandarin: from the pinyin reading in reading.json, one syllable per
character). The product's own renderer voices them (`dialer/speech_render.py`: Kokoro-82M given phonemes).

Run by a developer after changing a prompt's words; the WAVs are committed.

    python scripts/render_prompts.py              # English and Mandarin
    python scripts/render_prompts.py --language en

Korean is rendered by scripts/make_test_speech.py --only prompts: its WAVs are checked by the live-call tests.
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from dialer.script import PROMPT_SETS, WHEN, languages
from dialer.speech_render import Kokoro, wav_bytes

HANZI = re.compile(r"[\u4e00-\u9fff]")
SYLLABLE = re.compile(r"[a-zü]+?[1-5]")


def spoken_words(language: str) -> dict[str, str]:
    """What is voiced for each prompt: its words, or for Mandarin its reading, checked against the characters."""
    folder = PROMPT_SETS / language
    texts = json.loads((folder / "prompts.json").read_text(encoding="utf-8"))
    if set(texts) != set(WHEN):
        sys.exit(f"{folder / 'prompts.json'}: the prompts are {sorted(WHEN)}, got {sorted(texts)}")
    if language != "zh":
        return texts
    reading = json.loads((folder / "reading.json").read_text(encoding="utf-8"))
    for name, text in texts.items():
        characters, syllables = len(HANZI.findall(text)), len(SYLLABLE.findall(reading.get(name, "")))
        if characters != syllables:
            sys.exit(f"zh {name}: {characters} characters but {syllables} syllables in reading.json")
    return reading


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=languages(), action="append", help="default: en and zh")
    args = parser.parse_args()
    kokoro = Kokoro()
    for language in args.language or ["en", "zh"]:
        for name, words in spoken_words(language).items():
            wav = PROMPT_SETS / language / f"{name}.wav"
            wav.write_bytes(wav_bytes(kokoro.say(words, language)))
            print(f"{wav}: {wav.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
