"""The console's database, opened (and migrated) on first use: pages that need none start without it."""

from __future__ import annotations

import threading

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tierdial.config import Config


class Database:
    def __init__(self, config: Config, sessions: sessionmaker[Session] | None = None) -> None:
        self._config, self._sessions = config, sessions
        self._lock = threading.Lock()
        self._swept = False

    def sessions(self) -> sessionmaker[Session]:
        with self._lock:
            if self._sessions is None:
                from tierdial.schema import migrated_database

                self._sessions = migrated_database(self._config.database_url)
            if not self._swept:
                self._swept = True
                self._sweep(self._sessions)
            return self._sessions

    def reachable(self) -> bool:
        """The database answers a trivial query now."""
        try:
            with self.sessions()() as session:
                session.execute(text("SELECT 1"))
        except Exception:  # any failure to reach it is "not ready", never an error page
            return False
        return True

    def _sweep(self, sessions: sessionmaker[Session]) -> None:
        # An API upload loads in a thread of the console: if the last console died mid-load, say so, and delete the
        # files it was receiving or loading.
        from console.list_uploads import sweep_uploads
        from dialer.lists.status import mark_interrupted

        with sessions.begin() as session:
            mark_interrupted(session)
        sweep_uploads(self._config.data_dir / "uploads")
