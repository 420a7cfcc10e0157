"""Scoring a model on labelled utterances; the JSON shape is a contract for other tools."""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from intent.classifier import IntentModel
from intent.corpus import Example
from intent.tiers import TIERS


def evaluate(model: IntentModel, examples: Sequence[Example]) -> dict[str, object]:
    truth = [e.tier for e in examples]
    predicted = [d.tier for d in model.classify_many([e.text for e in examples])]
    return score(truth, predicted)


def score(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, object]:
    labels = list(TIERS)
    present = [t for t in labels if t in truth]
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    matrix = confusion_matrix(truth, predicted, labels=labels)
    return {
        "n": len(truth),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(float(f1_score(truth, predicted, labels=present, average="macro", zero_division=0)), 4),
        "per_tier": {
            tier: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for tier, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        "confusion": {
            actual: {guess: int(matrix[i][j]) for j, guess in enumerate(labels)} for i, actual in enumerate(labels)
        },
    }


def format_report(report: dict) -> str:
    lines = [
        f"n={report['n']}  accuracy={report['accuracy']:.3f}  macro-F1={report['macro_f1']:.3f}",
        "tier  precision  recall  f1     support",
    ]
    for tier, row in report["per_tier"].items():
        lines.append(f"{tier:<5} {row['precision']:<10.3f} {row['recall']:<7.3f} {row['f1']:<6.3f} {row['support']}")
    lines.append("confusion (rows: true, columns: predicted)")
    lines.append("     " + " ".join(f"{t:>4}" for t in TIERS))
    for actual, row in report["confusion"].items():
        lines.append(f"{actual:<4} " + " ".join(f"{row[t]:>4}" for t in TIERS))
    return "\n".join(lines)
