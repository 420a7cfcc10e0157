"""What the tierdial controller learns from calls as they resolve: recent durations and outcome rates.

Only recent observations count, so the estimates follow traffic that drifts during
the shift. Before anything is observed every estimate errs on the side of fewer
dials: answers come at once, agents never free up.
"""

from __future__ import annotations

from collections import deque

import numpy as np

OUTCOMES = ("live", "machine", "busy", "no_answer")


class RecentDurations:
    """The last `keep` observed durations, as an empirical distribution on a grid of whole seconds."""

    def __init__(self, keep: int) -> None:
        self._values: deque[float] = deque(maxlen=keep)
        self._sorted = np.zeros(0)
        self.version = 0  # changes with every observation, so derived tables can be cached
        self._pmf_cache: dict[int, np.ndarray] = {}

    def add(self, seconds: float) -> None:
        self._values.append(seconds)
        self._sorted = np.sort(np.fromiter(self._values, float, len(self._values)))
        self.version += 1
        self._pmf_cache.clear()

    def __len__(self) -> int:
        return len(self._values)

    def quantile(self, share: float, default: float) -> float:
        n = len(self._sorted)
        return float(self._sorted[min(n - 1, int(share * n))]) if n else default

    def pmf(self, horizon: int) -> np.ndarray:
        """P(duration falls in [t, t+1)) for t in 0..horizon-1; mass beyond the horizon is left out."""
        if horizon not in self._pmf_cache:
            self._pmf_cache[horizon] = self._pmf(horizon)
        return self._pmf_cache[horizon]

    def _pmf(self, horizon: int) -> np.ndarray:
        if not len(self._sorted):
            out = np.zeros(horizon)
            out[0] = 1.0  # nothing seen yet: assume it is over at once
            return out
        counts = np.bincount(np.minimum(self._sorted.astype(int), horizon), minlength=horizon + 1)[:horizon]
        return counts / len(self._sorted)

    def finished_within(self, elapsed: np.ndarray, horizon: int) -> np.ndarray:
        """Per running item (rows) P(it has ended by elapsed + t | it lasted `elapsed` so far), t = 0..horizon-1.

        With nothing observed, or past everything observed, an item is taken to run on.
        """
        if not len(self._sorted) or not len(elapsed):
            return np.zeros((len(elapsed), horizon))
        n = len(self._sorted)
        grid = elapsed[:, None] + np.arange(horizon)[None, :]
        alive_then = n - np.searchsorted(self._sorted, grid, side="right")
        alive_now = n - np.searchsorted(self._sorted, elapsed, side="right")
        with np.errstate(divide="ignore", invalid="ignore"):
            done = 1.0 - alive_then / alive_now[:, None]
        done[alive_now == 0] = 0.0
        return done


class OutcomeRates:
    """Exponentially weighted shares of dial outcomes; `memory` is how many recent dials carry the estimate."""

    def __init__(self, memory: float, prior_live: float = 0.3, prior_weight: float = 10.0) -> None:
        self._decay = 1.0 - 1.0 / memory
        self._weights = {kind: 0.0 for kind in OUTCOMES}
        self._weights["live"] = prior_live * prior_weight
        self._weights["no_answer"] = (1 - prior_live) * prior_weight

    def add(self, kind: str) -> None:
        for key in self._weights:
            self._weights[key] *= self._decay
        self._weights[kind] += 1.0

    def share(self, kind: str) -> float:
        return self._weights[kind] / sum(self._weights.values())


class RecentShare:
    """An exponentially weighted share of yes among recent yes/no observations."""

    def __init__(self, memory: float, prior: float, prior_weight: float = 5.0) -> None:
        self._decay = 1.0 - 1.0 / memory
        self._yes, self._total = prior * prior_weight, prior_weight

    def add(self, yes: bool) -> None:
        self._yes = self._yes * self._decay + yes
        self._total = self._total * self._decay + 1

    @property
    def value(self) -> float:
        return self._yes / self._total
