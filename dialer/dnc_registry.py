"""National do-not-call registry files: plain lists of numbers or prefixes ("010123*"), one per line.

Each load is recorded with its date; a registry older than 31 days is reported as
stale, because numbers added to the registry since then would be called.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import phonenumbers
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from dialer.dnc import PREFIX_MARK
from dialer.lists.numbers import NumberRejected, normalise
from dialer.models import DncRegistryFile, DncScope, DoNotCall
from tierdial import audit
from tierdial.errors import UserError

STALE_AFTER = dt.timedelta(days=31)


@dataclass
class RegistryLoad:
    file_id: int
    added: int = 0
    already_listed: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def registry_entry(text: str, region: str) -> str:
    """An E.164 number, or a "*+<country><digits>" prefix for a line ending in "*"."""
    if not text.endswith("*"):
        return normalise(text, region).e164
    digits = "".join(ch for ch in text[:-1] if ch.isdigit())
    if not digits:
        raise NumberRejected("an empty prefix would block everything")
    if text.lstrip().startswith("+"):
        return PREFIX_MARK + "+" + digits
    code = phonenumbers.country_code_for_region(region)
    if not code:
        raise NumberRejected(f"unknown region {region!r}")
    national_prefix = phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix or ""
    if national_prefix and digits.startswith(national_prefix):
        digits = digits[len(national_prefix) :]
    return f"{PREFIX_MARK}+{code}{digits}"


def load_registry(session: Session, lines: Iterable[str], name: str, region: str, actor: str = "cli") -> RegistryLoad:
    registry = DncRegistryFile(name=name[:300], entries=0)
    session.add(registry)
    session.flush()
    load = RegistryLoad(registry.id)
    entries: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        text = line.strip().lstrip("\ufeff")
        if not text or text.startswith("#"):
            continue
        try:
            entries.setdefault(registry_entry(text, region), number)
        except NumberRejected as exc:
            load.rejected.append((number, str(exc)))
    keys = list(entries)
    for start in range(0, len(keys), 500):
        batch = keys[start : start + 500]
        listed = set(
            session.scalars(
                select(DoNotCall.phone_e164).where(
                    DoNotCall.phone_e164.in_(batch), DoNotCall.scope == DncScope.registry
                )
            )
        )
        load.already_listed += len(listed)
        rows = [
            {"phone_e164": k, "scope": DncScope.registry, "reason": "national registry", "source": name[:100]}
            | {"registry_file_id": registry.id}
            for k in batch
            if k not in listed
        ]
        if rows:
            session.execute(insert(DoNotCall), rows)
            load.added += len(rows)
    registry.entries = load.added + load.already_listed
    if not registry.entries:
        raise UserError(f"{name}: no number or prefix could be read; nothing was loaded")
    audit.record(
        session, actor, "dnc_registry_loaded", "registry", str(registry.id), name=name, entries=registry.entries
    )
    return load


def stale_registries(session: Session, now: dt.datetime) -> list[str]:
    """One warning per registry whose latest load is older than 31 days."""
    warnings = []
    latest: dict[str, dt.datetime] = {}
    for name, loaded_at in session.execute(select(DncRegistryFile.name, DncRegistryFile.loaded_at)):
        latest[name] = max(latest.get(name, loaded_at), loaded_at)
    for name, loaded_at in sorted(latest.items()):
        if now - loaded_at > STALE_AFTER:
            warnings.append(
                f"do-not-call registry {name!r} was loaded {(now - loaded_at).days} days ago; load a fresh copy"
            )
    return warnings
