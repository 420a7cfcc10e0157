"""tierdial's predictive pacing: dial while the next call's expected cost in abandons stays within budget.

Every second it forecasts, on a grid of whole seconds ahead:
- supply: agents ready now, plus, per busy agent, the chance it is free by then (its
  elapsed talk or wrap-up against the recent distribution of talk and wrap times);
- demand: calls waiting now, plus, per call ringing or being screened, the chance it
  is handed over by then (the recent answer shares, ring times and hand-over delays,
  given how long it has rung already).
A hand-over at time t is abandoned when fewer agents have freed up by t + grace than
calls were handed over by t (normal approximation of both counts). For each extra
dial it computes how many abandons it adds per expected hand-over, and dials while
that stays under a threshold. The threshold follows the budget: the campaign may
abandon `TARGET_SHARE` x cap of its live answers; abandons under that raise it, over
that lower it, so the run ends under the cap whatever the forecast's errors.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
from scipy.special import ndtr

from dialer.pacing.controller import (
    Abandoned,
    CampaignState,
    DialResolved,
    HandedOver,
    Handled,
    NotHot,
    PacingEvent,
    PacingSettings,
    PacingStatus,
    abandon_budget,
    dial_level,
    unreserved_ready_agents,
)
from dialer.pacing.estimates import OutcomeRates, RecentDurations, RecentShare

TARGET_SHARE = 0.85  # of the cap: room for the forecast's errors
BASE_THRESHOLD = 0.01  # abandons added per expected hand-over while the budget is exactly on target
BUDGET_SCALE = 3.0  # abandons under budget that multiply the threshold by e
MIN_THRESHOLD, MAX_THRESHOLD = 0.001, 0.6
MAX_HORIZON = 240
RESERVE_ABANDONS = 2.0
CAREFUL_MARGIN = 2.0  # abandons of budget above the reserve under which hand-overs are held to their upper tail
TAIL_SDS = 3.0
RECENT_SECONDS = 60.0


class TierdialController:
    name = "tierdial"
    # The budget rules, as attributes so that a study (bench/pacing_headroom.py) can vary them.
    target_share, base_threshold, budget_scale = TARGET_SHARE, BASE_THRESHOLD, BUDGET_SCALE
    reserve_abandons, careful_margin = RESERVE_ABANDONS, CAREFUL_MARGIN

    def __init__(self, settings: PacingSettings) -> None:
        self.settings = settings
        self.rates = OutcomeRates(memory=400)
        self.hot = RecentShare(memory=200, prior=1.0)  # share of live answers handed over (bot-first: hot)
        self.ring = RecentDurations(keep=300)
        self.handover_delay = RecentDurations(keep=200)
        self.talk = RecentDurations(keep=150)
        self.wrap = RecentDurations(keep=150)
        self.busy_after = RecentDurations(keep=50)
        self.no_answer_after = RecentDurations(keep=50)
        self._recent_abandons: deque[float] = deque()
        self._forecast: dict[str, float] = {}
        self._tables: dict[tuple[int, int, int], np.ndarray] = {}

    # -- learning -----------------------------------------------------------------------------

    def observe(self, event: PacingEvent) -> None:
        if isinstance(event, DialResolved):
            self.rates.add(event.kind)
            if event.ring_seconds is not None:
                self.ring.add(event.ring_seconds)
            elif event.kind == "busy":
                self.busy_after.add(event.seconds_since_dial)
            else:
                self.no_answer_after.add(event.seconds_since_dial)
        elif isinstance(event, HandedOver):
            self.hot.add(True)
            self.handover_delay.add(event.after_answer_seconds)
        elif isinstance(event, NotHot):
            self.hot.add(False)
        elif isinstance(event, Handled):
            self.talk.add(event.talk_seconds)
            self.wrap.add(event.wrap_seconds)
        elif isinstance(event, Abandoned):
            self._recent_abandons.append(event.at)

    # -- deciding -----------------------------------------------------------------------------

    def threshold(self, state: CampaignState) -> float:
        budget = self.target_share * state.abandon_cap * state.live_answers - state.abandoned
        return min(MAX_THRESHOLD, max(MIN_THRESHOLD, self.base_threshold * math.exp(budget / self.budget_scale)))

    def decide(self, state: CampaignState) -> int:
        if state.free_lines <= 0:
            return 0
        horizon = self._horizon()
        grace = math.ceil(self.settings.grace_seconds)
        supply_mean, supply_var = self._supply(state, horizon + grace)
        supply_mean, supply_var = supply_mean[grace:], supply_var[grace:]
        demand, demand_var, new_dial = self._demand(state, horizon)
        per_dial = new_dial.sum()
        limit = min(state.free_lines, 3 * state.agents_active + 10)
        if per_dial <= 0:
            return min(unreserved_ready_agents(state), limit)
        ks = np.arange(limit + 1)[:, None]
        cumulative_new = np.cumsum(new_dial)
        mean = demand[None, :] + ks * cumulative_new[None, :]
        var = demand_var[None, :] + supply_var[None, :] + ks * (cumulative_new * (1 - cumulative_new))[None, :]
        arrivals = np.diff(mean, axis=1, prepend=0.0)
        p_abandon = ndtr((mean - supply_mean[None, :] + 0.5) / np.sqrt(var + 0.05))
        expected = (arrivals * p_abandon).sum(axis=1)
        added_per_handover = np.diff(expected) / per_dial
        threshold = self.threshold(state)
        over = np.nonzero(added_per_handover > threshold)[0]
        dials = int(over[0]) if len(over) else limit
        # The cap is a hard limit: unless the budget left covers a whole abandon, what the calls in flight may
        # still cost, and the last minute's abandons (a sign the forecast is off), dial only for ready agents.
        while self._recent_abandons and self._recent_abandons[0] < state.now - RECENT_SECONDS:
            self._recent_abandons.popleft()
        reserve = self.reserve_abandons + len(self._recent_abandons) + float(expected[0])
        budget_left = state.abandon_cap * state.live_answers - state.abandoned
        if budget_left < reserve:
            dials = 0
        else:
            # A cluster of answers could spend what is left. Hold the hand-overs in flight, at their upper tail, to
            # the agents expected free by then, each second's, not only the horizon's end (a burst of answers soon
            # after a burst of dials finds the agents still on their calls): the tail may go past them by no more
            # abandons than the budget holds above the reserve and a margin, none at all with little left.
            affordable = max(0.0, budget_left - reserve - self.careful_margin)
            shortfall = np.max(mean + TAIL_SDS * np.sqrt(var) - supply_mean[None, :], axis=1)  # both counts' variance
            # The forecast may miss how many calls in flight will answer (rings cut short by the no-answer timeout
            # skew what it learns): also count every call in flight at the share of dials that reach a person.
            share = self.rates.share("live") * self.hot.value
            flights = len(state.ringing) + len(state.screening) + ks[:, 0]
            counted = len(state.waiting) + flights * share
            counted_tail = counted + TAIL_SDS * np.sqrt(flights * share * (1 - share) + supply_var[-1])
            fits = np.nonzero(np.maximum(shortfall, counted_tail - supply_mean[-1]) > affordable)[0]
            dials = min(dials, int(fits[0]) - 1 if len(fits) else limit)
            dials = max(dials, 0)
        dials = max(dials, min(unreserved_ready_agents(state), limit))
        self._forecast = {
            "handovers_next_30s": round(float(mean[dials, min(30, horizon - 1)]), 2),
            "agents_free_next_30s": round(float(supply_mean[min(30, horizon - 1)]), 2),
            "answer_rate": round(self.rates.share("live"), 4),
            "abandon_risk_threshold": round(threshold, 4),
        }
        return dials

    def _horizon(self) -> int:
        longest_ring = max(self.no_answer_after.quantile(0.99, 60.0), self.ring.quantile(0.99, 60.0))
        seconds = longest_ring + self.handover_delay.quantile(0.99, 0.0) + 2
        return int(min(MAX_HORIZON, max(10, seconds)))

    def _supply(self, state: CampaignState, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """Agents free by t (mean and variance of the count), t = 0..horizon-1 seconds from now."""
        talk_done = self.talk.finished_within(np.asarray(state.talking, float), horizon)
        talk_end = np.diff(talk_done, axis=1, prepend=0.0)
        free_after_talk = talk_end @ self._delay_table(self.wrap, horizon, unseen_is_long=True)
        free_after_wrap = self.wrap.finished_within(np.asarray(state.wrapping, float), horizon)
        probs = np.vstack([free_after_talk, free_after_wrap])
        mean = state.agents_idle + probs.sum(axis=0)
        return mean, (probs * (1 - probs)).sum(axis=0)

    def _demand(self, state: CampaignState, horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Calls handed over by t from what is in flight (mean, variance), and a new dial's hand-over pmf."""
        live, machine = self.rates.share("live"), self.rates.share("machine")
        busy, no_answer = self.rates.share("busy"), self.rates.share("no_answer")
        handed = self.hot.value
        ring_pmf = np.concatenate([self.ring.pmf(horizon), np.zeros(MAX_HORIZON + horizon)])
        ring_survival = 1 - np.cumsum(ring_pmf) + ring_pmf  # P(answer at or after t)
        delay = self._delay_table(self.handover_delay, horizon, unseen_is_long=False)
        new_dial = np.diff(live * handed * (ring_pmf[:horizon] @ delay), prepend=0.0)

        ringing = np.minimum(np.asarray(state.ringing, float).astype(int), MAX_HORIZON)
        busy_end = self.busy_after.quantile(0.5, 0.0)
        no_answer_end = self.no_answer_after.quantile(0.5, float("inf"))
        still_ringing = (
            (live + machine) * ring_survival[ringing]
            + no_answer * (ringing < no_answer_end)
            + busy * (ringing < busy_end)
        )
        answer_at = ring_pmf[ringing[:, None] + np.arange(horizon)[None, :]]
        with np.errstate(divide="ignore", invalid="ignore"):
            weight = np.where(still_ringing > 0, live * handed / still_ringing, 0.0)
        from_ringing = (answer_at * weight[:, None]) @ delay

        answered = live / (live + machine) * handed if live + machine else 0.0
        from_screening = self.handover_delay.finished_within(np.asarray(state.screening, float), horizon) * answered
        if len(state.screening) and not len(self.handover_delay):
            from_screening = np.full((len(state.screening), horizon), answered)

        probs = np.vstack([from_ringing, from_screening])
        mean = len(state.waiting) + probs.sum(axis=0)
        return mean, (probs * (1 - probs)).sum(axis=0), new_dial

    def _delay_table(self, durations: RecentDurations, horizon: int, unseen_is_long: bool) -> np.ndarray:
        """T[i, j] = P(delay <= j - i): maps an event's time pmf to the CDF of (event + delay)."""
        key = (id(durations), durations.version, horizon)
        if key not in self._tables:
            if len(self._tables) > 16:
                self._tables.clear()
            if unseen_is_long and not len(durations):
                self._tables[key] = np.zeros((horizon, horizon))
            else:
                self._tables[key] = _toeplitz(np.cumsum(durations.pmf(horizon)))
        return self._tables[key]

    def status(self, state: CampaignState) -> PacingStatus:
        return PacingStatus(self.name, dial_level(state), dict(self._forecast), abandon_budget(state))


def _toeplitz(cdf: np.ndarray) -> np.ndarray:
    n = len(cdf)
    offsets = np.arange(n)[None, :] - np.arange(n)[:, None]
    return np.where(offsets >= 0, cdf[np.clip(offsets, 0, n - 1)], 0.0)
