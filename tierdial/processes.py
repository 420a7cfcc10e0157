"""Starting tierdial's own service processes (ASR service, simulators) and stopping them."""

from __future__ import annotations

import collections
import ctypes
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

READY_LINES = 50  # a service prints its address within its first lines, or it failed
KEPT_ERROR_LINES = 500
PR_SET_PDEATHSIG = 1  # prctl(2)


class Service:
    """A started service. Its output is read all along: a pipe nobody reads fills up and stops the process at its
    next write, which for a SIP simulator means calls that hang mid-way."""

    def __init__(self, process: subprocess.Popen, address: tuple[str, int]) -> None:
        self.process, self.address = process, address
        self._output: list[str] = []
        self._errors: collections.deque[str] = collections.deque(maxlen=KEPT_ERROR_LINES)
        self._readers = [
            threading.Thread(target=_drain, args=(process.stdout, self._output.append), daemon=True),
            threading.Thread(target=_drain, args=(process.stderr, self._errors.append), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def errors(self) -> str:
        """The last lines it wrote on stderr (warnings, tracebacks)."""
        return "".join(self._errors)

    def stop(self, timeout: float = 20) -> str:
        """Stop it politely, then firmly; returns what it printed on stdout after starting."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for reader in self._readers:
            reader.join(timeout=5)
        return "".join(self._output)


def child_processes(pid: int) -> list[int]:
    """The processes `pid` started that still run (Linux: from /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def command_line(pid: int) -> list[str]:
    """The arguments `pid` was started with; empty once it has ended."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().split("\0")[:-1]
    except FileNotFoundError:
        return []


def running(pid: int) -> bool:
    """Whether `pid` still runs (a zombie waiting for its parent to reap it has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _drain(stream: IO[str] | None, keep: Callable[[str], None]) -> None:
    if stream is not None:
        for line in stream:
            keep(line)


def _end_with_parent() -> None:
    """In the child: the kernel sends it SIGTERM when the thread that started it ends, or its whole process dies,
    even by kill -9, so a station that is killed leaves no ASR service or simulator behind holding ports and calls.
    Start services from a thread that lives as long as they should (the main thread)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_service(command: list[str], ready: str, cwd: Path | None = None) -> Service:
    """Run `tierdial COMMAND...` and wait for the line that says where it listens ("... HOST:PORT")."""
    process = subprocess.Popen(
        [sys.executable, "-m", "station", *command],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_end_with_parent if sys.platform == "linux" else None,
    )
    assert process.stdout is not None and process.stderr is not None
    for _ in range(READY_LINES):
        line = process.stdout.readline()
        if ready in line:
            host, port = line.rsplit(" ", 1)[1].strip().rsplit(":", 1)
            return Service(process, (host, int(port)))
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"`tierdial {' '.join(command)}` did not start: {process.stderr.read()[-2000:]}")
