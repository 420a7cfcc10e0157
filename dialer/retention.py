"""What callees said is kept for a set time (`retention` in config.yaml), then deleted: transcripts, the words quoted
in tier decisions, and call recordings. The call records stay: attempts with their outcomes, tiers and dispositions,
consent proof, opt-outs and the audit log.

The dialer applies it at start and every hour; `tierdial retention apply` does it from a scheduler or by hand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from asr.transcripts import erase_transcripts_before
from dialer.recordings import erase_recordings_before
from intent.history import redact_history_before
from tierdial import audit
from tierdial.config import Retention

EVERY = dt.timedelta(hours=1)


def apply_retention(
    session: Session, retention: Retention, recordings: Path | None, now: dt.datetime, actor: str = "system"
) -> dict[str, int]:
    """Delete what is past its retention period at `now` (real time); returns how much went of each kind."""
    said_before = now - dt.timedelta(days=retention.transcripts_days)
    recorded_before = now - dt.timedelta(days=retention.recordings_days)
    counts = {
        "transcript_segments": erase_transcripts_before(session, said_before),
        "tier_decisions_redacted": redact_history_before(session, said_before),
        "recordings": erase_recordings_before(recordings, recorded_before),
    }
    if any(counts.values()):
        audit.record(session, actor, "retention_applied", "retention", "", said_before=said_before.isoformat(),
                     recorded_before=recorded_before.isoformat(), **counts)  # fmt: skip
    return counts
