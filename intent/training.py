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

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


def train_from_dir(folder: Path, out: Path, progress: Progress = lambda step: None) -> tuple[IntentModel, int]:
    progress("reading corpus")
    examples = read_dir(folder)
    progress("adding hesitation variants")
    variants = augment(examples)
    progress("fitting model")
    model = train(variants)
    progress("saving model")
    save_model(model, out)
    return model, len(examples)


def model_for(config: Config) -> IntentModel:
    """The configured model; on first use of the default path, trained from the bundled corpus."""
    path = config.intent_model_path
    if not path.exists() and config.intent.model_path == type(config.intent)().model_path:
        log.warning("no intent model yet: training one from the bundled corpus into %s", path)
        return train_from_dir(bundled_data_dir("corpus"), path)[0]
    return load_model(path)
