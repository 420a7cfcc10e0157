"""The `tierdial` command line answers scripts quickly: a command loads only what it uses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("sklearn", "skops", "vosk", "faster_whisper", "ctranslate2", "flask", "pjsua2")

PROBE = f"""
import json, sys
from station.command_line import main
code = main(sys.argv[1:])
print(json.dumps({{"code": code, "loaded": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""


def _loaded_by(*args: str, env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_commands_of_scripts_load_no_speech_model_or_web_library(cli_env: dict[str, str]) -> None:
    # A script that loads lists calls the command line many times; each of these libraries costs it a second.
    for command in (("campaigns", "list", "--json"), ("numbers", "list", "--json"), ("config", "check")):
        assert _loaded_by(*command, env=cli_env) == {"code": 0, "loaded": []}, command


def test_a_command_that_classifies_still_loads_the_classifier(cli_env: dict[str, str]) -> None:
    probe = _loaded_by("intent", "classify", "다시는 전화하지 마세요", "--json", env=cli_env)
    assert probe["code"] == 0 and "sklearn" in probe["loaded"]
