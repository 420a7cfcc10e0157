"""indexes on transcript_segments.created_at and tier_decisions.decided_at: retention finds what to delete by them

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24 06:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transcript_segments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transcript_segments_created_at"), ["created_at"], unique=False)
    with op.batch_alter_table("tier_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tier_decisions_decided_at"), ["decided_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tier_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tier_decisions_decided_at"))
    with op.batch_alter_table("transcript_segments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcript_segments_created_at"))
