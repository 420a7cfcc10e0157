"""How many utterances fall in the band where the bot asks before an opt-out, per threshold and true tier.

Corpus lines are scored cross-validated (5 folds stratified by tier, each model fitted on its training folds with
the hesitation variants, as `intent.training` fits); held-out lines by a model fitted on the whole corpus. A line is
in the band when the tier decided is not E and `dialer.optout_check.should_ask` holds for the model's probabilities.
Prints JSON; takes a minute or two. How `dialer.optout_check.ASK_MIN_PROBABILITY` was chosen.

    python scripts/opt_out_ask_band.py
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from sklearn.model_selection import StratifiedKFold

from dialer.optout_check import ASK_MIN_PROBABILITY, should_ask
from intent.augment import augment
from intent.classifier import IntentModel, train
from intent.corpus import Example, bundled_data_dir, read_dir, read_jsonl

THRESHOLDS = (0.05, 0.10, 0.15, 0.20, 0.25, 0.30)


def scored(model: IntentModel, examples: Sequence[Example]) -> list[tuple[str, str, dict[str, float]]]:
    """(true tier, decided tier, probabilities) of each example."""
    decisions = model.classify_many([e.text for e in examples])
    return [(e.tier, d.tier, model.probabilities(e.text)) for e, d in zip(examples, decisions, strict=True)]


def band(rows: list[tuple[str, str, dict[str, float]]], threshold: float) -> dict[str, object]:
    asked = Counter(truth for truth, decided, p in rows if decided != "E" and should_ask(p, threshold))
    missed = [(truth, decided, p) for truth, decided, p in rows if truth == "E" and decided != "E"]
    return {
        "threshold": threshold,
        "asked": sum(asked.values()),
        "asked_per_true_tier": dict(sorted(asked.items())),
        "missed_opt_outs_asked": sum(should_ask(p, threshold) for _, _, p in missed),
    }


def main() -> int:
    corpus = read_dir(bundled_data_dir("corpus"))
    cross_validated: list[tuple[str, str, dict[str, float]]] = []
    folds = StratifiedKFold(5, shuffle=True, random_state=0).split(corpus, [e.tier for e in corpus])
    for training, testing in folds:
        model = train(augment([corpus[i] for i in training]))
        cross_validated += scored(model, [corpus[i] for i in testing])
    whole = train(augment(corpus))
    heldout = [row for path in sorted(bundled_data_dir("heldout").glob("*.jsonl")) for row in
               scored(whole, read_jsonl(path))]  # fmt: skip
    report = {"chosen": ASK_MIN_PROBABILITY}
    for name, rows in (("corpus_cross_validated", cross_validated), ("heldout", heldout)):
        missed = sum(truth == "E" and decided != "E" for truth, decided, _ in rows)
        report[name] = {"lines": len(rows), "missed_opt_outs": missed, "bands": [band(rows, t) for t in THRESHOLDS]}
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
