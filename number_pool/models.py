"""Table of the caller numbers."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, String
from sqlalchemy.orm import Mapped, mapped_column

from tierdial.db import Base, CreatedAt, IntPk


class NumberStatus(enum.StrEnum):
    active = "active"
    quarantined = "quarantined"  # waits for a person; never replaced automatically


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
