"""Reports and quarantine of caller numbers, as the dialer and its supervisors file them.

`number_pool` decides when a number is quarantined; the campaigns it pauses are the dialer's,
so the dialer hands in how to pause them. Everything that reports a number goes through here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from dialer.campaigns import pause_campaigns
from number_pool import reputation
from number_pool.reputation import ReportKind, ReportOutcome
from tierdial.config import Reputation


def report(
    session: Session, e164: str, kind: ReportKind, detail: str, limits: Reputation, actor: str = "system"
) -> ReportOutcome:
    """Count one report; past the threshold the number is quarantined and its campaigns paused."""
    return reputation.report(session, e164, kind, detail, limits, actor, pause=pause_campaigns)


def quarantine_by_hand(session: Session, e164: str, reason: str, actor: str) -> list[str]:
    """A supervisor takes a number out of use; returns the campaigns paused."""
    return reputation.quarantine_by_hand(session, e164, reason, actor, pause=pause_campaigns)
