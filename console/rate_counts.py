"""The console's rate limits counted in the database, so that every console node on it counts the same minute.

A storage for the `limits` library (which flask-limiter counts with), under the scheme
`tierdial-database://`: each limit and caller is one row, incremented with one atomic upsert
(PostgreSQL's or SQLite's `ON CONFLICT`), and started afresh once its window has passed. Rows
of windows long past are swept now and then, so made-up tokens and addresses do not pile up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from console.models import RateCount
from tierdial.db import on_postgresql

SCHEME = "tierdial-database"
SWEEP_EVERY = 200  # counts between two sweeps of rows whose window is over
SWEEP_AFTER_SECONDS = 60.0  # past its window's end, a row is swept


class DatabaseCounts(Storage):
    STORAGE_SCHEME: ClassVar[list[str] | None] = [SCHEME]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        sessions: Callable[[], sessionmaker[Session]] | None = None,
        **options: Any,
    ) -> None:
        """`sessions` gives the console's sessions (the database is opened on first use, not here)."""
        if sessions is None:
            raise ValueError(f"{SCHEME}:// needs storage_options={{'sessions': ...}}")
        super().__init__(uri, wrap_exceptions)
        self._sessions = sessions
        self._since_sweep = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = RateCount.__table__
        with self._sessions().begin() as session:
            dialect = postgresql if on_postgresql(session) else sqlite
            over = table.c.expires_at <= now  # the row's window has passed: this count starts a new one
            upsert = dialect.insert(table).values(key=key, count=amount, expires_at=now + expiry)
            upsert = upsert.on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "count": case((over, amount), else_=table.c.count + amount),
                    "expires_at": case((over, now + expiry), else_=table.c.expires_at),
                },
            ).returning(table.c.count)
            count = int(session.execute(upsert).scalar_one())
            self._since_sweep += 1
            if self._since_sweep >= SWEEP_EVERY:
                self._since_sweep = 0
                session.execute(delete(RateCount).where(RateCount.expires_at < now - SWEEP_AFTER_SECONDS))
        return count

    def get(self, key: str) -> int:
        with self._sessions()() as session:
            row = session.get(RateCount, key)
        return row.count if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        with self._sessions()() as session:
            row = session.get(RateCount, key)
        return row.expires_at if row is not None else time.time()

    def check(self) -> bool:
        try:
            with self._sessions()() as session:
                session.execute(select(RateCount.key).limit(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._sessions().begin() as session:
            return int(session.execute(delete(RateCount)).rowcount)  # type: ignore[attr-defined]

    def clear(self, key: str) -> None:
        with self._sessions().begin() as session:
            session.execute(delete(RateCount).where(RateCount.key == key))
