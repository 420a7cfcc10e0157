"""Many rows into one table at the driver's speed, for big imports.

SQLAlchemy's executemany converts every parameter of every row in Python; on a list of
a million contacts that costs three times the insert itself. Here a value is converted
once where it repeats (`driver_value`), and the rows go to the driver as they are.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.orm import Session

BULK_CACHE_MB = 256
SQLITE_DEFAULT_CACHE = -2000  # SQLite's own default: 2 MB


@contextmanager
def bulk_cache(session: Session) -> Iterator[None]:
    """A big page cache on SQLite while a bulk load runs: rows in random order touch index pages all over,
    and with the default 2 MB each insert rereads them (a million contacts: 25 s of inserts, 15 s with this)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_MB * 1024}")
    try:
        yield
    finally:  # the connection goes back to the pool: give the memory back
        connection.exec_driver_sql(f"PRAGMA cache_size = {SQLITE_DEFAULT_CACHE}")


class BulkInsert:
    """Rows of `columns`, already in the driver's terms, inserted in the session's transaction."""

    def __init__(self, session: Session, table: Table, columns: Sequence[str]) -> None:
        self.connection = session.connection()
        self.dialect = self.connection.dialect
        self.table, self.columns = table, tuple(columns)
        compiled = insert(table).values({c: bindparam(c) for c in columns}).compile(dialect=self.dialect)
        # A column with a default that is not given would be filled by SQLAlchemy's per-row machinery, not here.
        if missing := sorted(set(compiled.params) - set(columns)):
            raise ValueError(f"{table.name}: give values for {', '.join(missing)}")
        self.sql = compiled.string
        order = compiled.positiontup
        self.named = order is None
        self.reorder = None if self.named or list(order) == list(columns) else [columns.index(c) for c in order]
        self.processors = {
            c: table.c[c].type.dialect_impl(self.dialect).bind_processor(self.dialect) for c in self.columns
        }

    def driver_value(self, column: str, value: Any) -> Any:
        """The value as SQLAlchemy would hand it to the driver for this column."""
        processor = self.processors[column]
        return processor(value) if processor else value

    def run(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.named:
            params: list[Any] = [dict(zip(self.columns, row, strict=True)) for row in rows]
        elif self.reorder:
            params = [tuple(row[i] for i in self.reorder) for row in rows]
        else:
            params = rows
        self.connection.exec_driver_sql(self.sql, params)
