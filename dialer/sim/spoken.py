"""Simulated callees in a language with no recordings here: their lines said by a voice, at 16 kHz.

A spoken scenario is a callee scenario whose lines are text (`say`: sentences, `greeting`: a
voicemail's) with one `voice`: an espeak-ng voice (`en-us`), or `kokoro:LANGUAGE`, the voice the
bot's written prompts are rendered with (`dialer.speech_render`), which reads Mandarin as pinyin
with tone numbers (espeak-ng's own Mandarin is not understood even by Whisper). `render_scenario`
says each line into a WAV and writes the ordinary scenario that plays them, for `tierdial sim
callees`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import wave
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import Field, field_validator

from dialer.sim.scenario import Action, Strict
from dialer.speech_render import LANGUAGES, render_prompt
from tierdial.errors import UserError
from tierdial.yaml_files import load_yaml_model

RATE = 16000


class SpokenCallee(Strict):
    action: Action = "answer"
    say: list[str] = Field(default_factory=list)
    greeting: str | None = None
    hangup_after_seconds: Annotated[float, Field(gt=0, le=600)] | None = None


OWN_VOICE = "kokoro:"  # kokoro:zh, kokoro:en, kokoro:ko


class SpokenScenario(Strict):
    voice: str  # an espeak-ng voice (en-us), or kokoro:LANGUAGE
    default: SpokenCallee = SpokenCallee(action="no_answer")
    numbers: dict[str, SpokenCallee] = Field(default_factory=dict)

    @field_validator("voice")
    @classmethod
    def _known_language(cls, voice: str) -> str:
        language = voice.removeprefix(OWN_VOICE)
        if voice.startswith(OWN_VOICE) and language not in LANGUAGES:
            raise ValueError(f"{OWN_VOICE}{language}: the voice speaks {', '.join(LANGUAGES)}")
        return voice


def say_to_wav(text: str, voice: str, path: Path) -> Path:
    """`text` said by `voice` (espeak-ng's, or `kokoro:LANGUAGE`), 16 kHz mono, into `path`."""
    import soxr

    if voice.startswith(OWN_VOICE):
        path.write_bytes(render_prompt(text, voice.removeprefix(OWN_VOICE)))
        return path
    if shutil.which("espeak-ng") is None:
        raise UserError("espeak-ng is not installed (apt-get install espeak-ng): it says the simulated callees' lines")
    said = path.with_suffix(".espeak.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(said), text], check=True, capture_output=True)
    with wave.open(str(said), "rb") as spoken:
        rate, pcm = spoken.getframerate(), np.frombuffer(spoken.readframes(spoken.getnframes()), np.int16)
    said.unlink()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(soxr.resample(pcm, rate, RATE).astype(np.int16).tobytes())
    return path


def render_scenario(spoken_file: Path, folder: Path) -> Path:
    """Say every line of `spoken_file` into `folder` and write there the scenario that plays them; returns it."""
    spoken = load_yaml_model(spoken_file, SpokenScenario, "spoken scenario")
    folder.mkdir(parents=True, exist_ok=True)

    def line(text: str, name: str) -> str:
        return say_to_wav(text, spoken.voice, folder / f"{name}.wav").name

    def callee(name: str, person: SpokenCallee) -> dict:
        fields = {
            "action": person.action,
            "say": [{"wav": line(text, f"{name}-{n}")} for n, text in enumerate(person.say)],
            "greeting": line(person.greeting, f"{name}-greeting") if person.greeting else None,
            "hangup_after_seconds": person.hangup_after_seconds,
        }
        return {key: value for key, value in fields.items() if value not in (None, [])}

    numbers = {number: callee(number.lstrip("+"), person) for number, person in spoken.numbers.items()}
    scenario = {"default": callee("default", spoken.default), "numbers": numbers}
    path = folder / "scenario.yaml"
    path.write_text(json.dumps(scenario, ensure_ascii=False, indent=1), encoding="utf-8")  # JSON is YAML
    return path
