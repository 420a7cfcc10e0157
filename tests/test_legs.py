"""Leg ids: minted for a person's phone and read back; anything else is a call to a contact."""

from __future__ import annotations

import uuid

import pytest

from dialer.telephony.legs import Leg, LegKind, leg_of, new_leg


@pytest.mark.parametrize("person", ["ann", "agent1", "ann-marie"])
@pytest.mark.parametrize("kind", [LegKind.agent, LegKind.listener])
def test_a_minted_leg_reads_back_as_its_kind_and_person(kind: LegKind, person: str) -> None:
    first, second = new_leg(kind, person), new_leg(kind, person)
    assert first != second
    assert leg_of(first) == leg_of(second) == Leg(kind, person)


def test_the_pages_read_the_same_names() -> None:
    # The console's pages tell legs apart by these prefixes in the browser: the format is part of the contract.
    assert new_leg(LegKind.agent, "ann").startswith("agent-ann-")
    assert new_leg(LegKind.listener, "sam").startswith("agent-sam-listen-")


def test_a_dialled_call_is_a_callee() -> None:
    assert leg_of(str(uuid.uuid4())) == Leg(LegKind.callee, "")
    assert leg_of("c1") == Leg(LegKind.callee, "")
    with pytest.raises(ValueError):
        new_leg(LegKind.callee, "ann")
