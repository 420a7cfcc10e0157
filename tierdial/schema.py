"""Schema migrations (Alembic), run programmatically: `tierdial db upgrade` or at start."""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


# Each domain owns its tables; importing these registers them on the shared metadata.
TABLE_MODULES = (
    "asr.models",
    "console.models",
    "dialer.models",
    "intent.models",
    "number_pool.models",
    "station.models",
    "tierdial.audit",
)


def import_all_tables() -> None:
    for name in TABLE_MODULES:
        importlib.import_module(name)


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def migrated_database(url: str) -> sessionmaker[Session]:
    """Sessions on the database at `url`, its schema migrated to the newest version first."""
    from tierdial.db import make_engine, make_sessions

    engine = make_engine(url)
    upgrade(engine)
    return make_sessions(engine)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)
