"""Whose phone a leg rings, read from its call id: a callee's, an agent's, or a supervisor's listening in.

Legs to our own people are named `agent-<person>-<suffix>` (a supervisor listening in:
`agent-<person>-listen-<suffix>`); every other call id is a call to a contact. The
name is the whole record: messages carry only call ids, and the console's pages read
the same prefix. Mint legs with `new_leg` and read them with `leg_of`, nowhere by hand.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

PREFIX = "agent-"
LISTEN = "-listen"


class LegKind(enum.StrEnum):
    callee = "callee"  # a call to a contact: what the dialer counts as a call
    agent = "agent"  # an agent's phone, up for the shift
    listener = "listener"  # a supervisor's phone hearing a call


@dataclass(frozen=True, slots=True)
class Leg:
    kind: LegKind
    person: str  # the agent or supervisor whose phone it rings; "" for a callee


def new_leg(kind: LegKind, person: str) -> str:
    """A fresh call id for a leg to `person`'s phone."""
    suffix = uuid.uuid4().hex[:8]
    if kind is LegKind.agent:
        return f"{PREFIX}{person}-{suffix}"
    if kind is LegKind.listener:
        return f"{PREFIX}{person}{LISTEN}-{suffix}"
    raise ValueError("calls to contacts get their ids from the dialer, not as legs to a person")


def leg_of(call_id: str) -> Leg:
    if not call_id.startswith(PREFIX):
        return Leg(LegKind.callee, "")
    named = call_id[len(PREFIX) :]
    if "-" in named:
        named = named[: named.rindex("-")]  # the suffix that makes the id unique
    if named.endswith(LISTEN):
        return Leg(LegKind.listener, named[: -len(LISTEN)])
    return Leg(LegKind.agent, named)
