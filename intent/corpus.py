"""Reading labelled utterances from JSON Lines, with errors that name the line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from intent.tiers import TIERS
from tierdial.errors import UserError

LANGUAGES = ("ko", "en", "zh")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    tier: str
    lang: str | None = None


def bundled_data_dir(name: str) -> Path:
    """`corpus` (training), `heldout` (evaluation) or `speech` (recordings) shipped with the package."""
    return Path(str(resources.files("intent") / "data" / name))


def read_jsonl(path: Path) -> list[Example]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a folder, expected a .jsonl file") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    examples = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        examples.append(_parse_line(line, f"{path}:{number}"))
    if not examples:
        raise UserError(f"{path}: no examples in file")
    return examples


def _parse_line(line: str, where: str) -> Example:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UserError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(row, dict):
        raise UserError(f'{where}: expected an object like {{"text": ..., "tier": "A"}}')
    text, tier, lang = row.get("text"), row.get("tier"), row.get("lang")
    if not isinstance(text, str):
        raise UserError(f'{where}: "text" must be a string')
    if tier not in TIERS:
        raise UserError(f'{where}: "tier" must be one of {", ".join(TIERS)} (got {tier!r})')
    if lang is not None and not isinstance(lang, str):
        raise UserError(f'{where}: "lang" must be a string when given')
    return Example(text=text, tier=tier, lang=lang)


def read_dir(folder: Path) -> list[Example]:
    if not folder.is_dir():
        raise UserError(f"{folder}: not a folder of .jsonl files")
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise UserError(f"{folder}: no .jsonl files in it")
    return [example for path in files for example in read_jsonl(path)]


def speech_manifest() -> list[dict]:
    """The bundled Korean recordings: file (relative to `bundled_data_dir("speech")`), text, tier, split."""
    manifest = bundled_data_dir("speech") / "manifest.jsonl"
    return [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
