from __future__ import annotations

from alembic import context

from tierdial.db import Base
from tierdial.schema import import_all_tables

import_all_tables()
config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    context.run_migrations()
