"""The audit log: every decision that matters to a regulator, append-only."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column

from tierdial.db import Base, CreatedAt, IntPk


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[IntPk]
    at: Mapped[CreatedAt]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(100), index=True)
    detail: Mapped[dict] = mapped_column(default=dict)


def command_line_actor() -> str:
    """Who ran a command, for the audit log: the login name, as commands have no console account."""
    return os.environ.get("USER", "cli")


def record(session: Session, actor: str, action: str, subject_type: str, subject_id: str, **detail: object) -> None:
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            detail=detail,
            at=dt.datetime.now(dt.UTC),
        )
    )
