"""Tables of the caller numbers: the owned numbers, who sees which, and reports against them."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tierdial.db import Base, CreatedAt, IntPk


class NumberStatus(enum.StrEnum):
    active = "active"
    quarantined = "quarantined"  # waits for a person; never replaced automatically
    retired = "retired"  # no longer in config.yaml; its contacts are not called from another number


class CallerNumber(Base):
    __tablename__ = "caller_numbers"

    id: Mapped[IntPk]
    e164: Mapped[str] = mapped_column(String(16), unique=True)
    trunk: Mapped[str] = mapped_column(String(60))
    region: Mapped[str] = mapped_column(String(2))
    display_name: Mapped[str | None] = mapped_column(String(100))
    verified_owned: Mapped[bool] = mapped_column(default=False)
    attestation: Mapped[str | None] = mapped_column(String(1))
    status: Mapped[NumberStatus] = mapped_column(Enum(NumberStatus, native_enum=False), default="active")
    complaints: Mapped[int] = mapped_column(default=0)
    opt_outs: Mapped[int] = mapped_column(default=0)
    spam_reports: Mapped[int] = mapped_column(default=0)
    quarantined_at: Mapped[dt.datetime | None]
    quarantine_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[CreatedAt]


class NumberAssignment(Base):
    """The one owned number a contact sees, chosen on the first dial and kept for good."""

    __tablename__ = "number_assignments"

    id: Mapped[IntPk]
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    caller_number_id: Mapped[int] = mapped_column(ForeignKey("caller_numbers.id"), index=True)
    assigned_at: Mapped[CreatedAt]


class CampaignNumber(Base):
    """A number a campaign offers its new contacts; a campaign without any offers every active number."""

    __tablename__ = "campaign_numbers"
    __table_args__ = (UniqueConstraint("campaign_id", "caller_number_id"),)

    id: Mapped[IntPk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    caller_number_id: Mapped[int] = mapped_column(ForeignKey("caller_numbers.id"), index=True)
    chosen_by: Mapped[str] = mapped_column(String(100))
    chosen_at: Mapped[CreatedAt]


class ReputationReport(Base):
    """A complaint, an opt-out or a spam label reported against a caller number."""

    __tablename__ = "number_reports"

    id: Mapped[IntPk]
    caller_number_id: Mapped[int] = mapped_column(ForeignKey("caller_numbers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(300))
    reported_at: Mapped[CreatedAt]
