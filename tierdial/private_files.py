"""Files that hold secrets or people's data, readable by their owner only: folders 0700, files 0600.

Made so from the start (created with the mode, not narrowed after the data is in), and whatever the umask. A file
that exists already, from an older version or another tool, is narrowed when this process owns it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """The folder, made (with its parents) for its owner only if it is new; an existing one is left as it is (it
    may be shared on purpose, as /etc/asterisk is)."""
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(DIR_MODE)  # mkdir's mode goes through the umask
    return path


def private_open(path: Path, mode: str = "w", **text: Any) -> IO[Any]:
    """`open(path, mode)` for writing ("w", "wb", "a", ...), the file created or narrowed to 0600 before a byte
    is written."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    descriptor = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)  # an existing file keeps its mode through O_CREAT
    except OSError:
        os.close(descriptor)
        raise
    return os.fdopen(descriptor, mode, **text)


def write_private(path: Path, data: str | bytes) -> None:
    if isinstance(data, bytes):
        with private_open(path, "wb") as out:
            out.write(data)
    else:
        with private_open(path, "w", encoding="utf-8") as out:
            out.write(data)


def narrow(path: Path) -> None:
    """An existing file of this process's owner made 0600 (others' files are theirs to mind)."""
    try:
        if path.stat().st_uid == os.geteuid():
            path.chmod(FILE_MODE)
    except FileNotFoundError:
        pass
