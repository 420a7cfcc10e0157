"""Do-not-call: checked at import, in the hopper and before every dial; an opt-out applies to every campaign.

Entries are exact E.164 numbers, registry prefixes (stored as "*+8210..."), or, once a
contact's data has been erased, the number's hash ("sha256:..."), so the opt-out outlives
the erasure.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from dialer.hopper import PREFIX_MARK
from dialer.models import DncScope, DoNotCall
from tierdial import audit
from tierdial.errors import UserError

BATCH = 500


def number_hash(phone_e164: str) -> str:
    return "sha256:" + hashlib.sha256(phone_e164.encode()).hexdigest()


def _keys(phone_e164: str) -> list[str]:
    """Every entry that would block the number: itself, its hash, and each of its prefixes."""
    prefixes = [PREFIX_MARK + phone_e164[:n] for n in range(2, len(phone_e164) + 1)]
    return [phone_e164, number_hash(phone_e164), *prefixes]


def _applies(campaign_id: int | None):  # type: ignore[no-untyped-def]
    scopes = [DoNotCall.scope.in_([DncScope.internal, DncScope.registry])]
    if campaign_id is not None:
        scopes.append((DoNotCall.scope == DncScope.campaign) & (DoNotCall.campaign_id == campaign_id))
    return or_(*scopes)


def blocked_numbers(session: Session, numbers: Iterable[str], campaign_id: int | None = None) -> set[str]:
    """The numbers, of those given, that a do-not-call entry covers for this campaign."""
    numbers = list(numbers)
    blocked: set[str] = set()
    # An expanding parameter: the statement is compiled once, not once per key.
    query = select(DoNotCall.phone_e164).where(
        DoNotCall.phone_e164.in_(bindparam("keys", expanding=True)), _applies(campaign_id)
    )
    for start in range(0, len(numbers), BATCH):
        owners: dict[str, list[str]] = defaultdict(list)  # a prefix covers many numbers of the batch
        for number in numbers[start : start + BATCH]:
            for key in _keys(number):
                owners[key].append(number)
        for key in session.scalars(query, {"keys": list(owners)}):
            blocked.update(owners[key])
    return blocked


class Screen:
    """Do-not-call screening for many numbers at once (an import): registry prefixes are read once, up front."""

    def __init__(self, session: Session, campaign_id: int | None) -> None:
        self.session, self.campaign_id = session, campaign_id
        query = select(DoNotCall.phone_e164).where(
            DoNotCall.phone_e164 >= PREFIX_MARK, DoNotCall.phone_e164 < "+", _applies(campaign_id)
        )
        self.prefixes = {entry.removeprefix(PREFIX_MARK) for entry in session.scalars(query)}
        self.lengths = sorted({len(p) for p in self.prefixes})

    def blocked(self, numbers: list[str]) -> set[str]:
        blocked = {n for n in numbers if any(n[:k] in self.prefixes for k in self.lengths)}
        query = select(DoNotCall.phone_e164).where(DoNotCall.phone_e164.in_(bindparam("keys", expanding=True)),
                                                   _applies(self.campaign_id))  # fmt: skip
        for start in range(0, len(numbers), BATCH * 4):
            owner = {n: n for n in numbers[start : start + BATCH * 4]}
            owner.update((number_hash(n), n) for n in list(owner))
            blocked.update(owner[key] for key in self.session.scalars(query, {"keys": list(owner)}))
        return blocked


def is_blocked(session: Session, phone_e164: str, campaign_id: int | None = None) -> bool:
    return bool(blocked_numbers(session, [phone_e164], campaign_id))


def add_opt_out(session: Session, phone_e164: str, reason: str, source: str) -> None:
    """Internal scope: from now on no campaign calls this number."""
    if session.scalar(
        select(DoNotCall.id).where(DoNotCall.phone_e164 == phone_e164, DoNotCall.scope == DncScope.internal)
    ):
        return
    session.add(DoNotCall(phone_e164=phone_e164, scope=DncScope.internal, reason=reason, source=source))
    audit.record(session, "system", "opt_out", "phone", number_hash(phone_e164), reason=reason, source=source)


def add_entry(
    session: Session, phone_e164: str, reason: str, source: str, actor: str, campaign_id: int | None = None
) -> bool:
    """A number put on the list by a person or a script: internal (every campaign) or one campaign's list.

    Returns False when the number was already on that list.
    """
    if not reason.strip():
        raise UserError("say why the number goes on the do-not-call list")
    scope = DncScope.campaign if campaign_id is not None else DncScope.internal
    same = [DoNotCall.phone_e164 == phone_e164, DoNotCall.scope == scope]
    if campaign_id is not None:
        same.append(DoNotCall.campaign_id == campaign_id)
    query = select(DoNotCall.id).where(*same)
    if session.scalar(query):
        return False
    session.add(DoNotCall(phone_e164=phone_e164, scope=scope, campaign_id=campaign_id, reason=reason[:300],
                          source=source[:100]))  # fmt: skip
    audit.record(session, actor, "do_not_call_added", "phone", number_hash(phone_e164), reason=reason,
                 scope=scope.value, campaign=campaign_id)  # fmt: skip
    return True
