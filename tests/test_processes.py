"""Service processes started by tierdial keep running however much they write."""

from __future__ import annotations

import subprocess
import sys

from tierdial.processes import Service

CHATTY = "import sys; sys.stderr.write('warning\\n' * 200_000); sys.stderr.flush(); print('finished')"


def test_a_service_writing_more_than_a_pipe_holds_is_not_stopped_by_it() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", CHATTY], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    service = Service(process, ("127.0.0.1", 0))
    process.wait(timeout=30)  # without readers, the write would block at the pipe's 64 KiB and this would time out
    assert service.stop() == "finished\n"
    assert service.errors().endswith("warning\n")
