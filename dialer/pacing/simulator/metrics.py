"""What one simulated run adds up to, in the benchmark's terms."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

WINDOW_SECONDS = 30 * 60


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class RunMetrics:
    dials: int = 0
    live_answers: int = 0
    abandoned: int = 0
    talk_seconds: float = 0.0
    wrap_seconds: float = 0.0
    agent_seconds: float = 0.0  # logged in and not on a break
    hot_leads: int = 0
    hot_late: int = 0
    hot_lost: int = 0
    handed_over_at: list[float] = field(default_factory=list)  # live answers handed to agents, in time order
    abandoned_at: list[float] = field(default_factory=list)
    hot_waits: list[float] = field(default_factory=list)

    def record_connect(self, ready_at: float, waited: float, hot: bool) -> None:
        if hot:
            self.hot_waits.append(waited)
        else:
            bisect.insort(self.handed_over_at, ready_at)

    def record_abandon(self, ready_at: float) -> None:
        self.abandoned += 1
        bisect.insort(self.handed_over_at, ready_at)
        bisect.insort(self.abandoned_at, ready_at)

    def max_abandon_rate(self, duration: float, window: float = WINDOW_SECONDS) -> float:
        """The worst abandonment rate over any window of `window` seconds starting on a whole minute."""
        worst = 0.0
        starts = range(0, max(1, int(duration - window) + 1), 60)
        for start in starts:
            lo, hi = start, start + window
            answers = bisect.bisect_left(self.handed_over_at, hi) - bisect.bisect_left(self.handed_over_at, lo)
            drops = bisect.bisect_left(self.abandoned_at, hi) - bisect.bisect_left(self.abandoned_at, lo)
            if answers:
                worst = max(worst, drops / answers)
        return worst

    def summary(self, duration: float) -> dict[str, float | int]:
        agent_hours = self.agent_seconds / 3600
        figures: dict[str, float | int] = {
            "dials": self.dials,
            "live_answers": self.live_answers,
            "abandoned": self.abandoned,
            "abandon_rate": round(self.abandoned / self.live_answers, 5) if self.live_answers else 0.0,
            "talk_minutes_per_agent_hour": round(self.talk_seconds / 60 / agent_hours, 3) if agent_hours else 0.0,
            "occupancy": round((self.talk_seconds + self.wrap_seconds) / self.agent_seconds, 4)
            if self.agent_seconds
            else 0.0,
            "max_abandon_rate_30min": round(self.max_abandon_rate(duration), 5),
        }
        if self.hot_leads:
            figures |= {
                "hot_leads": self.hot_leads,
                "hot_leads_lost": self.hot_lost,
                "hot_leads_late": self.hot_late,
                "hot_late_rate": round(self.hot_late / self.hot_leads, 5),
                "hot_wait_p50_seconds": round(percentile(self.hot_waits, 0.5), 2),
                "hot_wait_p95_seconds": round(percentile(self.hot_waits, 0.95), 2),
            }
        return figures
