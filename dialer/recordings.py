"""Calls recorded by Asterisk (`asterisk.record_calls`): found by call id where tierdial can read them, and erased
with the rest of a contact's data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path


def recording_path(folder: Path | None, call_id: str) -> Path | None:
    """The call's recording, if one was made and tierdial can read the folder (`asterisk.recordings_readable_at`)."""
    if folder is None or not call_id or "/" in call_id or call_id.startswith("."):
        return None
    path = folder / f"{call_id}.wav"
    return path if path.is_file() else None


def erase_recordings_before(folder: Path | None, cutoff: dt.datetime) -> int:
    """Delete the recordings written before `cutoff` (the retention period); returns how many went."""
    if folder is None or not folder.is_dir():
        return 0
    erased = 0
    for path in folder.glob("*.wav"):
        if dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC) < cutoff:
            path.unlink(missing_ok=True)
            erased += 1
    return erased


def erase_recordings(folder: Path | None, call_ids: Iterable[str]) -> int:
    """Delete the calls' recordings; returns how many there were."""
    erased = 0
    for call_id in call_ids:
        if (path := recording_path(folder, call_id)) is not None:
            path.unlink(missing_ok=True)
            erased += 1
    return erased
