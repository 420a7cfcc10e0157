"""campaign_numbers: the caller numbers a campaign offers its new contacts (none chosen: every active number)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("caller_number_id", sa.Integer(), nullable=False),
        sa.Column("chosen_by", sa.String(length=100), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["caller_number_id"],
            ["caller_numbers.id"],
            name=op.f("fk_campaign_numbers_caller_number_id_caller_numbers"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_numbers_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_numbers")),
        sa.UniqueConstraint("campaign_id", "caller_number_id", name=op.f("uq_campaign_numbers_campaign_id")),
    )
    with op.batch_alter_table("campaign_numbers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_numbers_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_numbers_caller_number_id"), ["caller_number_id"], unique=False)


def downgrade() -> None:
    op.drop_table("campaign_numbers")
