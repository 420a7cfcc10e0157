"""The independent test set: lines gathered from public sources, never written by the team, never trained on.

It is scored apart from the team-written held-out set, per language, because it is the one measure of how the
model does on phrasing nobody tuned it for. The figure that matters most is how many opt-outs (tier E) would
be offered to an agent as leads (A or B): each of those is someone who said stop and was called on.
"""

from __future__ import annotations

from pathlib import Path

from intent.corpus import Example, bundled_data_dir, read_jsonl

FOLDER = "independent"


def independent_dir() -> Path:
    return bundled_data_dir(FOLDER)


def read_independent(lang: str) -> list[Example]:
    return read_jsonl(independent_dir() / f"{lang}.jsonl")
