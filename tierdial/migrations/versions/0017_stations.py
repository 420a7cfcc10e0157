"""stations, campaign leases, contact claims: several stations on one database

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 08:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stations",
        sa.Column("instance", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("console_url", sa.String(length=300), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("draining", sa.Boolean(), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recovered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("instance", name=op.f("pk_stations")),
    )
    op.create_index(op.f("ix_stations_name"), "stations", ["name"], unique=False)
    op.create_table(
        "campaign_leases",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("instance", sa.String(length=40), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_leases_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_campaign_leases")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_contacts_claimed_by"), ["claimed_by"], unique=False)
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("station", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_call_attempts_station"), ["station"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_attempts_station"))
        batch_op.drop_column("station")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_claimed_by"))
        batch_op.drop_column("claimed_by")
    op.drop_table("campaign_leases")
    op.drop_index(op.f("ix_stations_name"), table_name="stations")
    op.drop_table("stations")
