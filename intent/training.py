"""Training from a folder of JSON Lines, and getting the model a command needs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from intent.augment import augment
from intent.classifier import IntentModel, train
from intent.corpus import bundled_data_dir, read_dir
from intent.store import load_model, save_model
from tierdial.config import Config
from tierdial.errors import UserError

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


def train_from_dir(folder: Path, out: Path, progress: Progress = lambda step: None) -> tuple[IntentModel, int]:
    """Train on the folder's own *.jsonl files (not its subfolders)."""
    _refuse_test_sets(folder)
    progress("reading corpus")
    examples = read_dir(folder)
    progress("adding hesitation variants")
    variants = augment(examples)
    progress("fitting model")
    model = train(variants)
    progress("saving model")
    save_model(model, out)
    return model, len(examples)


def _refuse_test_sets(folder: Path) -> None:
    # A model trained on its own test lines scores well on them and tells nothing; the held-out and the
    # independent sets are only ever read by `intent eval`.
    for name in ("heldout", "independent"):
        kept = bundled_data_dir(name).resolve()
        if folder.resolve() == kept or kept in folder.resolve().parents:
            raise UserError(f"{folder}: is the {name} test set; a model must never be trained on it")


def model_for(config: Config) -> IntentModel:
    """The configured model; on first use of the default path, trained from the bundled corpus."""
    path = config.intent_model_path
    if not path.exists() and config.intent.model_path == type(config.intent)().model_path:
        log.warning("no intent model yet: training one from the bundled corpus into %s", path)
        return train_from_dir(bundled_data_dir("corpus"), path)[0]
    return load_model(path)
