"""The console's database, opened (and migrated) on first use: pages that need none start without it."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session, sessionmaker

from tierdial.config import Config


class Database:
    def __init__(self, config: Config, sessions: sessionmaker[Session] | None = None) -> None:
        self._config, self._sessions = config, sessions
        self._lock = threading.Lock()

    def sessions(self) -> sessionmaker[Session]:
        with self._lock:
            if self._sessions is None:
                from tierdial.schema import open_database

                self._sessions = open_database(self._config.database_url)
            return self._sessions
