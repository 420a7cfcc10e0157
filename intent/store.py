"""Saving and loading models with skops: no unpickling of arbitrary objects.

A model file may only contain the scikit-learn and NumPy types a tierdial pipeline is
built from; a file asking for anything else is refused before it is loaded.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sklearn
from skops import io as skops_io

from intent.classifier import IntentModel
from tierdial.errors import UserError

FORMAT = 1
_TRUSTED = {
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.pipeline.Pipeline",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
    "numpy.ndarray",
    "builtins.slice",
    "scipy.sparse._csr.csr_matrix",
}


def save_model(model: IntentModel, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "version": model.version,
        "sklearn": sklearn.__version__,
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "pipeline": model.pipeline,
    }
    partial = path.with_suffix(path.suffix + ".partial")
    skops_io.dump(payload, partial)
    partial.replace(path)  # never leave a half-written model where a loader looks


def load_model(path: Path) -> IntentModel:
    if not path.exists():
        raise UserError(f"{path}: no intent model here; run `tierdial intent train`")
    try:
        untrusted = set(skops_io.get_untrusted_types(file=path))
        refused = untrusted - _TRUSTED
        if refused:
            raise UserError(f"{path}: refused to load, it contains unexpected types: {', '.join(sorted(refused))}")
        payload = skops_io.load(path, trusted=sorted(untrusted))
    except UserError:
        raise
    except Exception as exc:
        raise UserError(
            f"{path}: not a readable tierdial model ({exc}); retrain with `tierdial intent train`"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise UserError(f"{path}: model format not supported; retrain with `tierdial intent train`")
    return IntentModel(payload["pipeline"], str(payload["version"]))
