"""Storing final transcripts. The caller owns the session."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from asr.models import TranscriptSegment
from tierdial.messages import FinalTranscript


def record_final(session: Session, final: FinalTranscript) -> None:
    session.add(
        TranscriptSegment(
            call_id=final.call_id, speaker=final.speaker, text=final.text, start_ms=final.start_ms, end_ms=final.end_ms
        )
    )


def transcript_of(session: Session, call_id: str) -> list[TranscriptSegment]:
    query = select(TranscriptSegment).where(TranscriptSegment.call_id == call_id).order_by(TranscriptSegment.start_ms)
    return list(session.scalars(query))


def erase_transcripts_before(session: Session, cutoff: dt.datetime) -> int:
    """Delete every segment stored before `cutoff` (the retention period); returns how many went."""
    return session.execute(delete(TranscriptSegment).where(TranscriptSegment.created_at < cutoff)).rowcount


def erase_transcripts(session: Session, call_ids: list[str]) -> int:
    """Delete the calls' transcripts (a contact's erasure request); returns how many segments went."""
    result = session.execute(delete(TranscriptSegment).where(TranscriptSegment.call_id.in_(call_ids)))
    return result.rowcount
