"""Storing tier decisions: every change of tier, with the text that caused it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from intent.models import TierDecision
from tierdial.messages import TierDecided


def record_decision(session: Session, decided: TierDecided, model_version: str) -> None:
    session.add(
        TierDecision(
            call_id=decided.call_id,
            tier=decided.tier,
            confidence=decided.confidence,
            evidence=list(decided.evidence),
            source_text=decided.text,
            is_final=decided.is_final,
            by_rule=decided.by_rule,
            model_version=model_version,
        )
    )


def tier_history(session: Session, call_id: str) -> list[TierDecision]:
    query = select(TierDecision).where(TierDecision.call_id == call_id).order_by(TierDecision.id)
    return list(session.scalars(query))


def redact_history_before(session: Session, cutoff: dt.datetime) -> int:
    """Drop the callee's words from decisions made before `cutoff`; the tier, its confidence and time stay."""
    query = (
        update(TierDecision)
        .where(TierDecision.decided_at < cutoff, TierDecision.source_text != "")
        .values(source_text="", evidence=[])
    )
    return session.execute(query).rowcount


def erase_history(session: Session, call_ids: list[str]) -> int:
    """Delete the calls' tier decisions, which quote what the callee said; returns how many went."""
    return session.execute(delete(TierDecision).where(TierDecision.call_id.in_(call_ids))).rowcount


def last_final_tier(session: Session, call_id: str) -> str | None:
    """The tier of the call's last final decision, if it had one."""
    query = (
        select(TierDecision.tier)
        .where(TierDecision.call_id == call_id, TierDecision.is_final.is_(True))
        .order_by(TierDecision.id.desc())
        .limit(1)
    )
    return session.scalar(query)
