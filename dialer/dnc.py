"""Do-not-call: checked at import, in the hopper and before every dial; an opt-out applies to every campaign.

Entries are exact E.164 numbers, registry prefixes (stored as "*+8210..."), or, once a
contact's data has been erased, the number's hash ("sha256:..."), so the opt-out outlives
the erasure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from dialer.models import DncScope, DoNotCall
from tierdial import audit
from tierdial.audit import AuditEntry
from tierdial.errors import NotFound, UserError

PREFIX_MARK = "*"  # registry prefixes are stored as "*+8210"; "*" sorts just before "+", so they form one index range
HASH_MARK = "sha256:"
BATCH = 2000
HOLD_LIMIT = 500_000  # listed numbers a Screen holds in memory (about 100 MB at most)


def number_hash(phone_e164: str) -> str:
    return HASH_MARK + hashlib.sha256(phone_e164.encode()).hexdigest()


def applies_to(campaign_id: int | None, entry: type[DoNotCall] = DoNotCall) -> ColumnElement[bool]:
    """Entries that bind a campaign: the internal list, the registries, and the campaign's own list."""
    scopes = [entry.scope.in_([DncScope.internal, DncScope.registry])]
    if campaign_id is not None:
        scopes.append((entry.scope == DncScope.campaign) & (entry.campaign_id == campaign_id))
    return or_(*scopes)


def is_prefix(entry: type[DoNotCall] = DoNotCall) -> ColumnElement[bool]:
    return and_(entry.phone_e164 >= PREFIX_MARK, entry.phone_e164 < "+")


def is_blocked(session: Session, phone_e164: str, campaign_id: int | None = None) -> bool:
    """One number, just before its dial: itself, its hash, and each of its prefixes, in one indexed lookup."""
    prefixes = [PREFIX_MARK + phone_e164[:n] for n in range(2, len(phone_e164) + 1)]
    keys = [phone_e164, number_hash(phone_e164), *prefixes]
    query = select(DoNotCall.id).where(DoNotCall.phone_e164.in_(keys), applies_to(campaign_id)).limit(1)
    return session.scalar(query) is not None


class Screen:
    """Do-not-call screening for many numbers at once (an import): registry prefixes are read once, up front,
    and so are the listed numbers while there are few enough to hold; past that they are looked up in batches."""

    def __init__(self, session: Session, campaign_id: int | None) -> None:
        self.session = session
        query = select(DoNotCall.phone_e164).where(is_prefix(), applies_to(campaign_id))
        self.prefixes = {entry.removeprefix(PREFIX_MARK) for entry in session.scalars(query)}
        self.lengths = sorted({len(p) for p in self.prefixes})
        self.listed = select(DoNotCall.phone_e164).where(
            DoNotCall.phone_e164.in_(bindparam("keys", expanding=True)), applies_to(campaign_id)
        )
        entries = select(DoNotCall.phone_e164).where(~is_prefix(), applies_to(campaign_id))
        self.held: tuple[set[str], set[str]] | None = None  # (numbers, hashes of erased numbers)
        if session.scalar(select(func.count()).select_from(entries.subquery())) <= HOLD_LIMIT:
            listed = set(session.scalars(entries))
            hashes = {entry for entry in listed if entry.startswith(HASH_MARK)}
            self.held = (listed - hashes, hashes)

    def blocked(self, numbers: list[str]) -> set[str]:
        blocked = {n for n in numbers if any(n[:k] in self.prefixes for k in self.lengths)} if self.lengths else set()
        if self.held is not None:
            listed, hashes = self.held
            blocked.update(n for n in numbers if n in listed)
            if hashes:
                blocked.update(n for n in numbers if number_hash(n) in hashes)
            return blocked
        for start in range(0, len(numbers), BATCH):
            owner = {n: n for n in numbers[start : start + BATCH]}
            owner.update((number_hash(n), n) for n in list(owner))
            blocked.update(owner[key] for key in self.session.scalars(self.listed, {"keys": list(owner)}))
        return blocked


def blocked_numbers(session: Session, numbers: Iterable[str], campaign_id: int | None = None) -> set[str]:
    """The numbers, of those given, that a do-not-call entry covers for this campaign."""
    return Screen(session, campaign_id).blocked(list(numbers))


def add_opt_out(session: Session, phone_e164: str, reason: str, source: str) -> None:
    """Internal scope: from now on no campaign calls this number."""
    _add(
        session,
        phone_e164,
        DncScope.internal,
        None,
        reason,
        source,
        "system",
        "opt_out",
        {"reason": reason, "source": source},
    )


def add_entry(
    session: Session, phone_e164: str, reason: str, source: str, actor: str, campaign_id: int | None = None
) -> bool:
    """A number put on the list by a person or a script: internal (every campaign) or one campaign's list.

    Returns False when the number was already on that list.
    """
    if not reason.strip():
        raise UserError("say why the number goes on the do-not-call list")
    scope = DncScope.campaign if campaign_id is not None else DncScope.internal
    return _add(session, phone_e164, scope, campaign_id, reason, source, actor, "do_not_call_added",
                {"reason": reason, "scope": scope.value, "campaign": campaign_id})  # fmt: skip


def _add(
    session: Session,
    phone_e164: str,
    scope: DncScope,
    campaign_id: int | None,
    reason: str,
    source: str,
    actor: str,
    action: str,
    audited: dict[str, object],
) -> bool:
    same = [DoNotCall.phone_e164 == phone_e164, DoNotCall.scope == scope]
    if campaign_id is not None:
        same.append(DoNotCall.campaign_id == campaign_id)
    if session.scalar(select(DoNotCall.id).where(*same)):
        return False
    session.add(DoNotCall(phone_e164=phone_e164, scope=scope, campaign_id=campaign_id, reason=reason[:300],
                          source=source[:100]))  # fmt: skip
    audit.record(session, actor, action, "phone", number_hash(phone_e164), **audited)
    return True


def _opted_out(session: Session, phone_e164: str) -> bool:
    """The callee asked not to be called (on a call, or an agent marked it): that is for good."""
    return (
        session.scalar(
            select(AuditEntry.id).where(
                AuditEntry.action == "opt_out", AuditEntry.subject_id == number_hash(phone_e164)
            )
        )
        is not None
    )


def search_entries(session: Session, query: str, limit: int = 50) -> list[dict[str, object]]:
    """Entries whose number contains the digits asked for, newest first, each saying whether it may be removed."""
    # ASCII digits, without a national trunk prefix: "010-5555" finds +82 10 5555 ...
    digits = "".join(ch for ch in query if ch.isascii() and ch.isdigit()).lstrip("0")
    if len(digits) < 4:
        raise UserError("search with at least 4 digits of the number")
    rows = session.scalars(
        select(DoNotCall)
        .where(DoNotCall.phone_e164.contains(digits, autoescape=True))
        .order_by(DoNotCall.id.desc())
        .limit(limit)
    ).all()
    return [
        {"id": e.id, "phone": e.phone_e164, "scope": e.scope.value, "campaign_id": e.campaign_id,
         "reason": e.reason, "source": e.source, "created_at": e.created_at.isoformat(),
         "removable": kept is None, "kept_because": kept}
        for e in rows
        for kept in [_why_kept(session, e)]
    ]  # fmt: skip


def _why_kept(session: Session, entry: DoNotCall) -> str | None:
    if entry.scope is DncScope.registry:
        return "it comes from a registry file: import the registry's next file instead"
    if entry.phone_e164.startswith(HASH_MARK) or _opted_out(session, entry.phone_e164):
        return "the callee opted out: that is honoured for good"
    return None


def remove_entry(session: Session, entry_id: int, reason: str, actor: str) -> str:
    """Take a number put on a list by mistake off it again, with a reason; returns the number."""
    entry = session.get(DoNotCall, entry_id)
    if entry is None:
        raise NotFound(f"no do-not-call entry {entry_id}")
    if not reason.strip():
        raise UserError("say why the number comes off the do-not-call list: it is kept in the audit log")
    if (kept := _why_kept(session, entry)) is not None:
        raise UserError(f"this entry cannot be removed: {kept}")
    audit.record(session, actor, "do_not_call_removed", "phone", number_hash(entry.phone_e164), reason=reason,
                 scope=entry.scope.value, campaign=entry.campaign_id, added_for=entry.reason)  # fmt: skip
    session.delete(entry)
    return entry.phone_e164


DNC_ACTIONS = ("opt_out", "do_not_call_added", "do_not_call_removed", "dnc_registry_loaded")


def dnc_audit(session: Session, limit: int = 50) -> list[dict[str, object]]:
    """The newest changes to the do-not-call lists: who, when, what and why (numbers appear only as hashes)."""
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(DNC_ACTIONS)).order_by(AuditEntry.id.desc()).limit(limit)
    )
    return [
        {"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "scope": e.detail.get("scope", ""),
         "number_hash": "" if e.subject_type == "registry" else e.subject_id[:12],
         "reason": e.detail.get("reason") or f"{e.detail.get('name', '')}: {e.detail.get('entries', 0)} entries"}
        for e in entries
    ]  # fmt: skip
