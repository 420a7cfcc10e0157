"""The six tiers of a callee's intent."""

from __future__ import annotations

import enum


class Tier(enum.StrEnum):
    A = "A"  # hot: wants the offer now
    B = "B"  # warm: interested with a condition or a question
    C = "C"  # later: busy, call back
    D = "D"  # declined
    E = "E"  # opt-out: stop calling, complaint
    F = "F"  # unreachable: machine, wrong number, no speech, language barrier


TIERS: tuple[str, ...] = tuple(t.value for t in Tier)
HOT_TIERS = (Tier.A.value, Tier.B.value)  # offered to agents at once
MEANING = {
    "A": "hot",
    "B": "warm",
    "C": "later",
    "D": "declined",
    "E": "opt-out",
    "F": "unreachable",
}
