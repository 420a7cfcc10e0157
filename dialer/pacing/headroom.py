"""How many calls the recogniser keeps up with, found by trying. Pure: times are passed in.

Every answered call is transcribed live, and the machine's cores set how many calls
that can be: past it, transcripts of every call fall behind together, tiers come too
late and calls are lost. The dialer therefore starts a campaign on a few lines and
adds one at a time while transcription keeps up with every call (little audio waiting
to be decoded); when it falls behind, it drops a quarter of the lines and waits for
the backlog to drain. A campaign's own `lines` stay the ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass

START_LINES = 4
BEHIND_SECONDS = 2.0  # audio waiting on the slowest call: transcription is falling behind
CAUGHT_UP_SECONDS = 0.5  # below this on every call, it has room for one more
STEP_SECONDS = 4.0  # between changes, so each one's effect is seen before the next


@dataclass
class TranscriptionHeadroom:
    ceiling: int
    lines: int = 0
    changed_at: float | None = None

    def __post_init__(self) -> None:
        self.lines = self.lines or min(self.ceiling, START_LINES)

    def update(self, lag_seconds: float, calls_in_progress: int, now: float) -> int:
        """The lines to use now, given the transcription lag of the call furthest behind."""
        if self.changed_at is not None and now - self.changed_at < STEP_SECONDS:
            return self.lines
        if lag_seconds > BEHIND_SECONDS:
            self.lines = max(1, min(self.lines, calls_in_progress) * 3 // 4)
            self.changed_at = now
        elif lag_seconds < CAUGHT_UP_SECONDS and calls_in_progress >= self.lines and self.lines < self.ceiling:
            self.lines += 1
            self.changed_at = now
        return self.lines

    @property
    def holding_back(self) -> bool:
        return self.lines < self.ceiling
