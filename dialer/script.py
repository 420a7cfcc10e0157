"""The voice bot's script: its prompts as text and as the WAV files it plays, in the order a call meets them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROMPTS = Path(__file__).with_name("prompts") / "ko"
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


@cache
def script() -> tuple[Prompt, ...]:
    texts = json.loads((PROMPTS / "prompts.json").read_text(encoding="utf-8"))
    return tuple(Prompt(name, when, texts.get(name, ""), PROMPTS / f"{name}.wav") for name, when in WHEN.items())


def prompt_wav(name: str) -> Path:
    """The WAV the bot plays for `name`; KeyError for a name the script does not have."""
    return {prompt.name: prompt.wav for prompt in script()}[name]
