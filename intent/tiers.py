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
HOT_TIERS: tuple[str, ...] = (Tier.A.value, Tier.B.value)
"""What a hot lead is, everywhere in the product: a call whose final tier is A or B. It is offered to agents at once,
A at the front of the queue and B behind it (`HOT_TIERS` is in that order). The call flow announces each offer
(`tierdial.messages.HotLeadOffered`: once per call, again when a B turns A, never once an agent has the call) and
an A that nobody took within the takeover wait (`HotLeadExpired`); the console, its metrics, webhooks and pacing
read those messages and do not judge tiers themselves. The records count the same tiers (`dialer.campaign_stats`),
and a hot lead nobody took is called back soon (`dialer.wrap_up`).

Pacing answers only for A (`PACED_TIERS`): the bot tells an A callee that an agent is coming, and books a callback if
none comes within the takeover wait, so an A nobody takes is a broken promise, counted against the campaign's cap as
an abandon is. A B callee is asked a question and waits behind A with nothing promised: offered, not paced for."""

PACED_TIERS: tuple[str, ...] = (Tier.A.value,)
"""The hot leads pacing hands over and counts as lost when nobody takes them in time (see `HOT_TIERS`)."""

MEANING = {
    "A": "hot",
    "B": "warm",
    "C": "later",
    "D": "declined",
    "E": "opt-out",
    "F": "unreachable",
}
