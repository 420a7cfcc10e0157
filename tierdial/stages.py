"""Running messages through a chain of stages.

A stage is anything with `process(message) -> list[message]`: it acts on the messages
it owns and passes the rest on unchanged. Stages never call each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol


class Stage(Protocol):
    def process(self, message: object) -> list[object]: ...


def run_chain(stages: Sequence[Stage], messages: Iterable[object]) -> list[object]:
    """Push each message through every stage in order; returns what comes out of the last."""
    current = list(messages)
    for stage in stages:
        current = [out for message in current for out in stage.process(message)]
    return current
