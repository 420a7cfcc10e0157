"""Starting tierdial's own service processes (ASR service, simulators) and stopping them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

READY_LINES = 50  # a service prints its address within its first lines, or it failed


def start_service(command: list[str], ready: str, cwd: Path | None = None) -> tuple[subprocess.Popen, tuple[str, int]]:
    """Run `tierdial COMMAND...` and wait for the line that says where it listens ("... HOST:PORT")."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tierdial.cli", *command],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(READY_LINES):
        line = process.stdout.readline()
        if ready in line:
            host, port = line.rsplit(" ", 1)[1].strip().rsplit(":", 1)
            return process, (host, int(port))
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"`tierdial {' '.join(command)}` did not start: {process.stderr.read()[-2000:]}")


def stop_service(process: subprocess.Popen, timeout: float = 20) -> str:
    """Stop it politely, then firmly; returns what it printed on stdout after starting."""
    process.terminate()
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out
