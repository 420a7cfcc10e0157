"""The pure core of triage: `classify(text) -> Decision`, no I/O.

A linear model over character and word n-grams: character n-grams carry Korean and
Chinese (no tokenizer needed) and survive the recogniser's spacing and spelling
slips; word n-grams carry English. The rule layer (`intent.rules`) has the last word: an opt-out,
complaint or threat is E and a wrong number, carrier announcement or phone menu is F, whatever the model says.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from intent.corpus import Example
from intent.rules import find_rule
from intent.text import candidate_phrases, normalize
from intent.tiers import HOT_TIERS, TIERS

NO_SPEECH_EVIDENCE = ("(no speech)",)
RULE_CONFIDENCE = 0.99
MODEL_OPT_OUT_MIN_CONFIDENCE = 0.6
# Below that, an opt-out still wins when it is the reading by a wide margin: missing a real
# opt-out breaks the law, a wrong one costs a lead, so a clear lead over the runner-up is enough.
MODEL_OPT_OUT_MIN_LEAD = 2.0
MODEL_OPT_OUT_FLOOR = 0.4
MAX_EVIDENCE = 3


@dataclass(frozen=True, slots=True)
class Decision:
    tier: str
    confidence: float
    evidence: tuple[str, ...]
    by_rule: bool = False
    rule: str | None = None  # the rule that decided, by name, when one did

    def as_dict(self) -> dict[str, object]:
        return {
            "tier": self.tier,
            "confidence": round(self.confidence, 4),
            "evidence": list(self.evidence),
            "by_rule": self.by_rule,
            "rule": self.rule,
        }


def build_pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1)),
            (
                "words",
                TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"),
            ),
        ]
    )
    model = LogisticRegression(C=20.0, max_iter=5000, class_weight="balanced")
    return Pipeline([("features", features), ("model", model)])


class IntentModel:
    """A trained pipeline with its version. Build with `train` or `intent.store.load_model`."""

    def __init__(self, pipeline: Pipeline, version: str) -> None:
        self.pipeline = pipeline
        self.version = version
        self._classes = [str(c) for c in pipeline.classes_]

    def classify(self, text: str) -> Decision:
        return self.classify_many([text])[0]

    def classify_many(self, texts: Sequence[str]) -> list[Decision]:
        normalized = [normalize(t) for t in texts]
        spoken = [i for i, t in enumerate(normalized) if t]
        probabilities = self.pipeline.predict_proba([normalized[i] for i in spoken]) if spoken else []
        by_index = dict(zip(spoken, probabilities, strict=True))
        return [self._decide(text, by_index.get(i)) for i, text in enumerate(normalized)]

    def probabilities(self, text: str) -> dict[str, float]:
        """The model's probability of each tier for `text`, before any rule; empty when nothing was said."""
        normalized = normalize(text)
        if not normalized:
            return {}
        row = self.pipeline.predict_proba([normalized])[0]
        return {tier: float(p) for tier, p in zip(self._classes, row, strict=True)}

    def _decide(self, text: str, probabilities: np.ndarray | None) -> Decision:
        if probabilities is None:
            return Decision("F", 1.0, NO_SPEECH_EVIDENCE)
        if (hit := find_rule(text)) is not None:
            model_p = float(probabilities[self._classes.index(hit.tier)])
            return Decision(hit.tier, max(RULE_CONFIDENCE, model_p), (hit.phrase,), by_rule=True, rule=hit.rule)
        ranked = np.argsort(-probabilities)
        best = int(ranked[0])
        if self._classes[best] == "E" and not is_clear_opt_out(probabilities[best], probabilities[ranked[1]]):
            # A faint opt-out guess on misheard speech must not close a contact for good; the rules
            # catch clear opt-outs, so fall back to the next most likely tier. Not to a lead, though: a
            # reading that is more likely an opt-out than anything else is never offered to an agent.
            best = next(int(i) for i in ranked[1:] if self._classes[int(i)] not in HOT_TIERS)
        tier = self._classes[best]
        return Decision(tier, float(probabilities[best]), self.evidence(text, tier))

    def evidence(self, text: str, tier: str) -> tuple[str, ...]:
        """The phrases of `text` that, on their own, pull hardest toward `tier`."""
        phrases = candidate_phrases(text)
        if not phrases:
            return ()
        scores = self.pipeline.decision_function(phrases)
        column = self._classes.index(tier)
        margin = scores[:, column] - np.delete(scores, column, axis=1).max(axis=1)
        chosen: list[str] = []
        for index in np.argsort(-margin):
            phrase = phrases[index]
            if margin[index] <= 0 or len(chosen) == MAX_EVIDENCE:
                break
            if not any(phrase in kept or kept in phrase for kept in chosen):
                chosen.append(phrase)
        return tuple(chosen)


def is_clear_opt_out(p_opt_out: float, p_runner_up: float) -> bool:
    if p_opt_out >= MODEL_OPT_OUT_MIN_CONFIDENCE:
        return True
    return p_opt_out >= MODEL_OPT_OUT_FLOOR and p_opt_out >= MODEL_OPT_OUT_MIN_LEAD * p_runner_up


def corpus_version(examples: Iterable[Example]) -> str:
    digest = hashlib.sha256()
    for example in examples:
        digest.update(json.dumps([example.text, example.tier], ensure_ascii=False).encode())
    digest.update(json.dumps(build_pipeline().get_params(deep=True), default=str, sort_keys=True).encode())
    return digest.hexdigest()[:12]


def train(examples: Sequence[Example]) -> IntentModel:
    missing = set(TIERS) - {e.tier for e in examples}
    if missing:
        from tierdial.errors import UserError

        raise UserError(f"training data has no example of tier {', '.join(sorted(missing))}")
    pipeline = build_pipeline()
    pipeline.fit([normalize(e.text) for e in examples], [e.tier for e in examples])
    return IntentModel(pipeline, corpus_version(examples))
