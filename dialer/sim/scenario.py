"""Callee scenario files: what each simulated number does when called. Validated like the config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from intent.corpus import bundled_data_dir
from tierdial.errors import UserError
from tierdial.yaml_files import load_yaml_model


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Action = Literal["answer", "busy", "no_answer", "voicemail", "unavailable"]  # what a callee does when called


class Utterance(Strict):
    wav: Path
    # Wait for the bot to stop talking, just for `pause`, or for the file `cue` to appear (a script driving the
    # simulation times a line to something the callee cannot hear, such as a supervisor joining), then `pause`.
    after: Literal["prompt", "pause", "cue"] = "prompt"
    pause: Annotated[float, Field(ge=0, le=30)] = 0.3
    cue: Path | None = None

    @model_validator(mode="after")
    def _cue_given(self) -> Utterance:
        if (self.after == "cue") != (self.cue is not None):
            raise ValueError("a line said after a cue names its `cue` file, and only such a line does")
        return self


class Callee(Strict):
    action: Action = "answer"
    ring_seconds: Annotated[float, Field(ge=0, le=60)] = 1.0
    say: list[Utterance] = Field(default_factory=list)
    greeting: Path | None = None  # voicemail
    hangup_after_seconds: Annotated[float, Field(gt=0, le=600)] | None = None
    hangs_up_when_done: bool = False  # the moment the last line's speech ends, as "stop calling me" and gone

    @model_validator(mode="after")
    def _voicemail_has_greeting(self) -> Callee:
        if self.action == "voicemail" and self.greeting is None:
            raise ValueError("a voicemail callee needs a greeting WAV")
        return self


class Scenario(Strict):
    default: Callee = Callee(action="no_answer")
    numbers: dict[str, Callee] = Field(default_factory=dict)

    def for_number(self, number: str) -> Callee:
        return self.numbers.get(number, self.default)


def _resolve(path: Path, base: Path) -> Path:
    for candidate in (path, base / path, bundled_data_dir("speech") / path):
        if candidate.is_file():
            return candidate.resolve()
    raise UserError(f"{path}: WAV not found (looked next to the scenario and in the bundled speech)")


def load_scenario(path: Path) -> Scenario:
    scenario = load_yaml_model(path, Scenario, "scenario")
    base = path.resolve().parent

    def fixed(callee: Callee) -> Callee:
        say = [
            u.model_copy(update={"wav": _resolve(u.wav, base), "cue": base / u.cue if u.cue else None})
            for u in callee.say
        ]
        greeting = _resolve(callee.greeting, base) if callee.greeting else None
        return callee.model_copy(update={"say": say, "greeting": greeting})

    return Scenario(default=fixed(scenario.default), numbers={n: fixed(c) for n, c in scenario.numbers.items()})
