"""On a busy node the calls' audio, the takeovers and the console come before transcription: the ASR service a
station starts runs every thread of it at a lower CPU priority than the station."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers import ROOT
from tierdial.processes import start_service


def _niceness_of_threads(pid: int) -> set[int]:
    # On Linux a thread's id is a process id to getpriority: each thread's own niceness.
    return {os.getpriority(os.PRIO_PROCESS, int(task.name)) for task in Path(f"/proc/{pid}/task").iterdir()}


def test_the_asr_service_runs_below_the_process_that_starts_it(tmp_path: Path) -> None:
    own = os.getpriority(os.PRIO_PROCESS, 0)
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {tmp_path}\nasr:\n  nice: 7\n", encoding="utf-8")
    for arguments, added in (([], 10), (["--config", str(config)], 7)):  # the default, and the file's
        service = start_service([*arguments, "asr", "serve", "--port", "0", "--recognizers", "1"], "listening on",
                                cwd=ROOT)  # fmt: skip
        try:
            assert _niceness_of_threads(service.pid) == {min(19, own + added)}
        finally:
            service.stop()
