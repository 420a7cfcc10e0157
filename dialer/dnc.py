"""Do-not-call: checked before every dial; an opt-out applies to every campaign at once."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dialer.models import DncScope, DoNotCall
from tierdial import audit


def is_blocked(session: Session, phone_e164: str, campaign_id: int | None = None) -> bool:
    scopes = [DoNotCall.scope.in_([DncScope.internal, DncScope.registry])]
    if campaign_id is not None:
        scopes.append((DoNotCall.scope == DncScope.campaign) & (DoNotCall.campaign_id == campaign_id))
    query = select(DoNotCall.id).where(DoNotCall.phone_e164 == phone_e164, or_(*scopes)).limit(1)
    return session.scalar(query) is not None


def add_opt_out(session: Session, phone_e164: str, reason: str, source: str) -> None:
    """Internal scope: from now on no campaign calls this number."""
    if session.scalar(
        select(DoNotCall.id).where(DoNotCall.phone_e164 == phone_e164, DoNotCall.scope == DncScope.internal)
    ):
        return
    session.add(DoNotCall(phone_e164=phone_e164, scope=DncScope.internal, reason=reason, source=source))
    audit.record(session, "system", "opt_out", "phone", phone_e164[-4:], reason=reason, source=source)
