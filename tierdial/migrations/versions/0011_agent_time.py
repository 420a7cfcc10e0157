"""agents' time: when an agent was connected to each call and wrapped it up, and their state changes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("connected_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("wrapped_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "agent_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_states")),
    )
    with op.batch_alter_table("agent_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_states_at"), ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("agent_states")
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.drop_column("wrapped_at")
        batch_op.drop_column("connected_at")
