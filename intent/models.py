"""Table of tier decisions: every change of tier of a call is kept."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tierdial.db import Base, IntPk, utcnow


class TierDecision(Base):
    __tablename__ = "tier_decisions"

    id: Mapped[IntPk]
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    tier: Mapped[str] = mapped_column(String(1))
    confidence: Mapped[float]
    evidence: Mapped[list]
    source_text: Mapped[str] = mapped_column(Text)
    is_final: Mapped[bool]
    by_rule: Mapped[bool] = mapped_column(default=False)
    model_version: Mapped[str] = mapped_column(String(40))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)  # retention redacts by it
