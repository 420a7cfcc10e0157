"""The independent test set: lines gathered from public sources, never written by the team, never trained on.

It is scored apart from the team-written held-out set, per language, because it is the one measure of how the
model does on phrasing nobody tuned it for. The figure that matters most is how many opt-outs (tier E) would
be offered to an agent as leads (A or B): each of those is someone who said stop and was called on.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from intent.classifier import IntentModel
from intent.corpus import LANGUAGES, Example, bundled_data_dir, read_jsonl
from intent.evaluate import score
from intent.tiers import HOT_TIERS, Tier

FOLDER = "independent"


def independent_dir() -> Path:
    return bundled_data_dir(FOLDER)


def read_independent(lang: str) -> list[Example]:
    return read_jsonl(independent_dir() / f"{lang}.jsonl")


def score_language(model: IntentModel, examples: Sequence[Example]) -> dict[str, object]:
    truth = [e.tier for e in examples]
    predicted = [d.tier for d in model.classify_many([e.text for e in examples])]
    full = score(truth, predicted)
    opt_outs = [guess for actual, guess in zip(truth, predicted, strict=True) if actual == Tier.E]
    return {
        "n": full["n"],
        "accuracy": full["accuracy"],
        "macro_f1": full["macro_f1"],
        "e_recall": full["per_tier"][Tier.E]["recall"],  # type: ignore[index]
        "e_as_lead": sum(guess in HOT_TIERS for guess in opt_outs),
        "e_total": len(opt_outs),
        "confusion": full["confusion"],
    }


def score_independent(model: IntentModel, languages: Sequence[str] = LANGUAGES) -> dict[str, dict[str, object]]:
    return {lang: score_language(model, read_independent(lang)) for lang in languages}


def format_independent(report: dict[str, dict]) -> str:
    lines = [
        "independent test set (public sources, never trained on)",
        "lang  n     accuracy  macro-F1  E recall  E->A/B",
    ]
    for lang, row in report.items():
        lines.append(
            f"{lang:<5} {row['n']:<5} {row['accuracy']:<9.3f} {row['macro_f1']:<9.3f} {row['e_recall']:<9.3f} "
            f"{row['e_as_lead']}/{row['e_total']}"
        )
    return "\n".join(lines)
