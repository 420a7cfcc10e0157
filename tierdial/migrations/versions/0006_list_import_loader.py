"""list_imports: which process is loading an import, so one left running by a dead process is marked failed

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 11:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("list_imports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("loader", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("list_imports", schema=None) as batch_op:
        batch_op.drop_column("loader")
