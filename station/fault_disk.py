"""A disk that fills up: a small filesystem of its own (tmpfs) mounted for a run's data folder, filled to the last
byte and freed again, as a runaway log or a backup does to a real one.

Mounting needs root, on a machine that lets root mount: `FullDisk.possible` says whether this process may.
"""

from __future__ import annotations

import errno
import functools
import os
import subprocess
import tempfile
from pathlib import Path

CHUNK = 64 * 1024


class FullDisk:
    def __init__(self, path: Path, size_mb: int = 64) -> None:
        self.path, self.size_mb = path, size_mb
        self._filler = path / ".filler"
        self.mounted = False

    @staticmethod
    @functools.cache
    def possible() -> bool:
        """Whether this process may mount one (root, and a machine or container that lets root mount)."""
        if os.geteuid() != 0:
            return False
        with tempfile.TemporaryDirectory(prefix="tierdial-mount-") as folder:
            mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", folder], capture_output=True)
            if mounted.returncode == 0:
                subprocess.run(["umount", folder], check=False)
            return mounted.returncode == 0

    def __enter__(self) -> FullDisk:
        self.path.mkdir(parents=True, exist_ok=True)
        options = f"size={self.size_mb}m,mode=0700"
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(self.path)], check=True)
        self.mounted = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], check=False)
            self.mounted = False

    def fill(self) -> int:
        """Every byte left taken; returns how many that was."""
        taken, block = 0, b"\0" * CHUNK
        descriptor = os.open(self._filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (CHUNK, 512, 1):
                while True:
                    try:
                        written = os.write(descriptor, block[:size])
                    except OSError as exc:
                        if exc.errno != errno.ENOSPC:
                            raise
                        break
                    if not written:
                        break
                    taken += written
        finally:
            os.close(descriptor)
        return taken

    def free(self) -> None:
        self._filler.unlink(missing_ok=True)
