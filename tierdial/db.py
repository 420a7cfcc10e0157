"""Database engine, session factory and the declarative base every domain's tables share.

The caller owns the session: domain functions take a `Session`; a command, request or
call task opens `with sessions.begin() as session:` around its unit of work.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, ClassVar

from sqlalchemy import JSON, DateTime, Engine, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker

from tierdial.config import Config
from tierdial.private_files import narrow, private_dir, write_private

# Stable constraint names let Alembic alter and drop constraints on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def on_postgresql(where: Session | sessionmaker[Session]) -> bool:
    """Whether this database is PostgreSQL, which several nodes may share (else SQLite: one node, one file)."""
    bind = where.get_bind() if isinstance(where, Session) else where.kw["bind"]
    return bind.dialect.name == "postgresql"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime | None) -> str | None:
    """A stored time as JSON shows it; None stays None."""
    return moment.isoformat() if moment else None


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Stored as UTC, read back aware: SQLite keeps no offset, so every value is made UTC on the way in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        return _as_utc(value)

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        return _as_utc(value)


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A naive value is taken as UTC (how SQLite hands it back); an aware one is converted."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict] = {dt.datetime: UtcDateTime(), dict: JSON, list: JSON}


IntPk = Annotated[int, mapped_column(primary_key=True)]
CreatedAt = Annotated[dt.datetime, mapped_column(default=utcnow)]
E164 = Annotated[str, mapped_column(index=True)]


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_sqlite_file(Path(parsed.database))
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A server that does not answer (a restart, a failover) is noticed in seconds, not after the system's TCP timeout:
    # calls in progress write through here and wait on it.
    timeout = {} if "connect_timeout" in parsed.query else {"connect_timeout": 5}
    return create_engine(url, pool_pre_ping=True, connect_args=timeout)


def _private_sqlite_file(path: Path) -> None:
    """The database holds people's numbers and what they said: its folder and file for their owner only. SQLite
    gives the -wal and -shm files it makes the database file's mode; any left by an older version are narrowed."""
    private_dir(path.parent)
    if not path.exists():
        write_private(path, b"")  # an empty file is an empty database
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal"):
        narrow(path.with_name(name))


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # WAL lets the console read while the dialer writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sessions(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def open_database(config: Config) -> sessionmaker[Session]:
    """Sessions on the configured database, its schema migrated to the newest version first (every command's way in)."""
    from tierdial.schema import migrated_database  # Alembic is loaded only by what opens a database

    return migrated_database(config.database_url)
