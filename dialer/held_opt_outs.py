"""Opt-outs heard while the database is away, kept on this node's disk as well until the database has them.

Held writes live in memory (`tierdial.held_writes`): a station killed, or its machine lost, while the database is
away would lose them, and an opt-out lost is a person called again after saying stop. So each held opt-out is also
appended here (synced to disk before the call goes on). The file is emptied once every held write is made; a
station starting replays what an earlier run of it left before it dials anyone. Replaying is harmless twice: a
number already on the do-not-call list stays as it is.

The file holds full numbers, as the database does: it is readable by its owner alone, and kept only while needed.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from dialer.dnc import add_opt_out
from tierdial.errors import UserError

log = logging.getLogger(__name__)


def held_opt_outs_file(data_dir: Path, station_name: str) -> Path:
    """One file per station name: stations sharing a data folder never empty each other's."""
    return data_dir / "held-opt-outs" / f"{station_name}.jsonl"


class HeldOptOuts:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def keep(self, phone_e164: str, reason: str, source: str) -> None:
        line = json.dumps({"phone": phone_e164, "reason": reason, "source": source}, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(descriptor, line.encode())
                os.fsync(descriptor)
            finally:
                os.close(descriptor)

    def clear(self) -> None:
        """Every held write is in the database: nothing here is needed any more."""
        with self._lock:
            self.path.unlink(missing_ok=True)

    def replay(self, sessions: sessionmaker[Session]) -> int:
        """What an earlier run left, put on the do-not-call list in one transaction; then the file is emptied."""
        with self._lock:
            if not self.path.exists():
                return 0
            kept = [self._entry(n, line) for n, line in enumerate(self.path.read_text().splitlines(), 1) if line]
            with sessions.begin() as session:
                for entry in kept:
                    add_opt_out(session, entry["phone"], entry["reason"], entry["source"])
            self.path.unlink()
        if kept:
            log.warning("%d opt-outs an earlier run heard while the database was away are now on the do-not-call "
                        "list", len(kept))  # fmt: skip
        return len(kept)

    def _entry(self, number: int, line: str) -> dict[str, str]:
        try:
            entry = json.loads(line)
            if all(isinstance(entry.get(key), str) for key in ("phone", "reason", "source")):
                return entry
        except json.JSONDecodeError:
            pass
        # A line cut short by a crash mid-write cannot be read; anything else here is not ours. Either way the station
        # must not start dialling past an opt-out it cannot read: say where it is.
        raise UserError(f"{self.path}, line {number}: not a held opt-out; fix or remove the line, then start again")
