"""The voice bot's script: its prompts as text and as the WAV files it plays, in the order a call meets them, in
each language the bot speaks (one prompt set per language: dialer/prompts/<language>/prompts.json and its WAVs)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tierdial.errors import UserError

PROMPT_SETS = Path(__file__).with_name("prompts")
WHEN = {
    "opening": "on answer: names the organisation and says how to stop calls",
    "question": "while the callee is undecided",
    "agent": "tier A or B: before an agent takes over",
    "callback": "tier C: a callback is booked; ends the call",
    "goodbye": "tier D: declined; ends the call",
    "opt_out": "tier E: confirms the opt-out; ends the call",
    "confirm_opt_out": "an opt-out heard but not surely: asks once whether to stop calling",
}


@dataclass(frozen=True)
class Prompt:
    name: str
    when: str
    text: str
    wav: Path


def languages() -> tuple[str, ...]:
    """The languages the bot can speak: those with a prompt set."""
    return tuple(sorted(path.parent.name for path in PROMPT_SETS.glob("*/prompts.json")))


def check_language(language: str) -> str:
    """`language` if the bot has prompts in it; else a clear error naming the languages it has."""
    if language not in languages():
        raise UserError(f"no prompts in language {language!r}: the bot speaks {', '.join(languages())}")
    return language


@cache
def script(language: str) -> tuple[Prompt, ...]:
    folder = PROMPT_SETS / check_language(language)
    texts = json.loads((folder / "prompts.json").read_text(encoding="utf-8"))
    return tuple(Prompt(name, when, texts.get(name, ""), folder / f"{name}.wav") for name, when in WHEN.items())


def prompt_wav(name: str, language: str) -> Path:
    """The WAV the bot plays for `name` in `language`; KeyError for a name the script does not have."""
    return {prompt.name: prompt.wav for prompt in script(language)}[name]


def prompt_text(name: str, language: str) -> str:
    """What the prompt `name` says in `language`; KeyError for a name the script does not have."""
    return {prompt.name: prompt.text for prompt in script(language)}[name]
