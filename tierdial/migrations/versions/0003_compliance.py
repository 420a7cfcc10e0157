"""compliance: list imports, calling rules, retry state, number assignments

Columns added to tables that may hold rows get server defaults equal to the model defaults.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 05:19:50.145453
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dnc_registry_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dnc_registry_files")),
    )
    op.create_table(
        "campaign_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False, server_default=""),
        sa.Column("timezone", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_zones_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_zones")),
        sa.UniqueConstraint("campaign_id", "region", "timezone", name=op.f("uq_campaign_zones_campaign_id")),
    )
    with op.batch_alter_table("campaign_zones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_zones_campaign_id"), ["campaign_id"], unique=False)

    op.create_table(
        "number_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("caller_number_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["caller_number_id"], ["caller_numbers.id"], name=op.f("fk_number_reports_caller_number_id_caller_numbers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_reports")),
    )
    with op.batch_alter_table("number_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_number_reports_caller_number_id"), ["caller_number_id"], unique=False)

    op.create_table(
        "list_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column(
            "status", sa.Enum("running", "done", "failed", name="importstatus", native_enum=False), nullable=False
        ),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("loaded", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_list_imports_campaign_id_campaigns")),
        sa.ForeignKeyConstraint(["list_id"], ["call_lists.id"], name=op.f("fk_list_imports_list_id_call_lists")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_imports")),
    )
    with op.batch_alter_table("list_imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_list_imports_campaign_id"), ["campaign_id"], unique=False)

    op.create_table(
        "number_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("caller_number_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["caller_number_id"],
            ["caller_numbers.id"],
            name=op.f("fk_number_assignments_caller_number_id_caller_numbers"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_number_assignments_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_number_assignments_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_assignments")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_number_assignments_contact_id")),
    )
    with op.batch_alter_table("number_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_number_assignments_caller_number_id"), ["caller_number_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_number_assignments_campaign_id"), ["campaign_id"], unique=False)

    with op.batch_alter_table("call_lists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("imported_by", sa.String(length=100), nullable=True))

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calling_rules", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("max_attempts_per_day", sa.Integer(), nullable=False, server_default="2"))
        batch_op.add_column(sa.Column("max_attempts_total", sa.Integer(), nullable=False, server_default="6"))
        batch_op.add_column(sa.Column("local_presence", sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region", sa.String(length=2), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("day_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("attempt_day", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("last_outcome", sa.String(length=20), nullable=True))
        batch_op.alter_column("timezone", existing_type=sa.VARCHAR(length=64), type_=sa.Text(), existing_nullable=False)
        batch_op.drop_index(batch_op.f("ix_contacts_next_attempt_at"))
        batch_op.create_index("ix_contacts_hopper", ["campaign_id", "status", "next_attempt_at"], unique=False)

    with op.batch_alter_table("do_not_call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("registry_file_id", sa.Integer(), nullable=True))
        batch_op.alter_column(
            "phone_e164", existing_type=sa.VARCHAR(length=16), type_=sa.String(length=70), existing_nullable=False
        )
        batch_op.create_index(batch_op.f("ix_do_not_call_registry_file_id"), ["registry_file_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_do_not_call_registry_file_id_dnc_registry_files"),
            "dnc_registry_files",
            ["registry_file_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("do_not_call", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_do_not_call_registry_file_id_dnc_registry_files"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_do_not_call_registry_file_id"))
        batch_op.alter_column(
            "phone_e164", existing_type=sa.String(length=70), type_=sa.VARCHAR(length=16), existing_nullable=False
        )
        batch_op.drop_column("registry_file_id")

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_hopper")
        batch_op.create_index(batch_op.f("ix_contacts_next_attempt_at"), ["next_attempt_at"], unique=False)
        batch_op.alter_column("timezone", existing_type=sa.Text(), type_=sa.VARCHAR(length=64), existing_nullable=False)
        batch_op.drop_column("last_outcome")
        batch_op.drop_column("attempt_day")
        batch_op.drop_column("day_attempts")
        batch_op.drop_column("region")

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("local_presence")
        batch_op.drop_column("max_attempts_total")
        batch_op.drop_column("max_attempts_per_day")
        batch_op.drop_column("calling_rules")

    with op.batch_alter_table("call_lists", schema=None) as batch_op:
        batch_op.drop_column("imported_by")

    with op.batch_alter_table("number_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_number_assignments_campaign_id"))
        batch_op.drop_index(batch_op.f("ix_number_assignments_caller_number_id"))

    op.drop_table("number_assignments")
    with op.batch_alter_table("list_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_list_imports_campaign_id"))

    op.drop_table("list_imports")
    with op.batch_alter_table("number_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_number_reports_caller_number_id"))

    op.drop_table("number_reports")
    with op.batch_alter_table("campaign_zones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_zones_campaign_id"))

    op.drop_table("campaign_zones")
    op.drop_table("dnc_registry_files")
