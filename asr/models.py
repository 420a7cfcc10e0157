"""Table of transcript segments."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tierdial.db import Base, CreatedAt, IntPk


class TranscriptSegment(Base):
    """One final utterance of one speaker of a call.

    `call_id` is the engine's call id, not a foreign key: the ASR service may store a
    segment before the dialer's attempt row commits, and either engine can own the call.
    """

    __tablename__ = "transcript_segments"

    id: Mapped[IntPk]
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    speaker: Mapped[str] = mapped_column(String(10))  # callee, agent or bot
    text: Mapped[str] = mapped_column(Text)
    start_ms: Mapped[int]
    end_ms: Mapped[int]
    created_at: Mapped[CreatedAt] = mapped_column(index=True)  # retention deletes by it
