"""agent_states.confirmed_at: the running dialer confirms its agents' states, so a dead dialer's agents stop
counting as ready

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 05:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agent_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agent_states", schema=None) as batch_op:
        batch_op.drop_column("confirmed_at")
