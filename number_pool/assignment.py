"""Which owned number a contact sees. Always the same one: there is no rotation."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from tierdial.config import CallerNumber
from tierdial.errors import UserError


def caller_number_for(phone_e164: str, numbers: Sequence[CallerNumber]) -> CallerNumber:
    """A stable pick: the same contact gets the same number on every attempt and after restarts.

    The pick depends only on the contact's number and the configured pool, never on time,
    attempt count or how a number has been labelled by carriers.
    """
    if not numbers:
        raise UserError("caller_numbers: no owned caller number is configured; nothing can be dialled")
    ordered = sorted(numbers, key=lambda n: n.number)
    digest = int.from_bytes(hashlib.sha256(phone_e164.encode()).digest()[:8], "big")
    return ordered[digest % len(ordered)]
