"""On a busy node the calls' audio, the takeovers and the console come before transcription: the ASR service a
station starts runs every thread of it at a lower CPU priority than the station."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers import ROOT, thread_ids
from tierdial.processes import start_service


def _niceness_of_threads(pid: int) -> set[int]:
    return {os.getpriority(os.PRIO_PROCESS, tid) for tid in thread_ids(pid)}


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
