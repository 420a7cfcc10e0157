"""How a SIP call ended, in the dialer's words. Pure: tested without SIP."""

from __future__ import annotations

BUSY = {486, 600}
NOT_ANSWERED = {408, 480, 487}


def outcome_of(status: int, *, answered: bool, rang: bool, timed_out: bool) -> str:
    if answered:
        return "answered"
    if timed_out:
        return "no_answer"
    if status in BUSY:
        return "busy"
    if status in NOT_ANSWERED and rang:
        return "no_answer"
    # 503 from the trunk, 404, or a 408 with no provisional answer at all (nothing there): not reached.
    return "failed"
