"""Where agents' time goes: ready, talking, wrapping up; occupancy is talk and wrap-up over the time ready.

An agent stays "ready" while on a call (the phone leg is nailed up for the shift), so the
time ready holds the calls and their wrap-ups: occupancy = (talk + wrap) / ready, 0..1.
A call's talk runs from the takeover to its end (to now, while it lasts); its wrap-up runs
from its end to the agent's first disposition (a disposition given during the call: none).

Each stored state is confirmed by the running dialer every 30 s; if the dialer dies with an agent's leg up, the
agent stops counting as ready 90 s after the last confirmation, not at the next change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dialer.models import AgentState, CallAttempt
from tierdial.db import utcnow

READY, PAUSED, OFFLINE = "ready", "paused", "offline"
CONFIRM_EVERY = dt.timedelta(seconds=30)  # how often a running dialer confirms its agents' states
UNCONFIRMED_AFTER = 3 * CONFIRM_EVERY  # a state not confirmed for this long ended with its dialer


def record_state(session: Session, agent: str, state: str, reason: str = "", at: dt.datetime | None = None) -> None:
    """`at`: when the change happened, if it is written later (held while the database was away)."""
    now = at or utcnow()
    session.add(AgentState(agent=agent, state=state, reason=reason[:200], at=now, confirmed_at=now))


def confirm_states(session: Session, agents: list[str], now: dt.datetime) -> None:
    """The dialer still sees these agents as it last stored them: their latest states hold until now."""
    if agents:
        latest = select(func.max(AgentState.id)).where(AgentState.agent.in_(agents)).group_by(AgentState.agent)
        session.execute(update(AgentState).where(AgentState.id.in_(latest)).values(confirmed_at=now))


def paused_agents(session: Session, agents: list[str]) -> dict[str, str]:
    """Of `agents`, those whose last choice was to pause, with its reason. A pause is the person's choice: it
    outlives their phone dropping and their station restarting (offline records say nothing about it)."""
    if not agents:
        return {}
    chosen = (AgentState.agent.in_(agents), AgentState.state.in_((READY, PAUSED)))
    latest = select(func.max(AgentState.id)).where(*chosen).group_by(AgentState.agent)
    rows = session.scalars(select(AgentState).where(AgentState.id.in_(latest)))
    return {row.agent: row.reason for row in rows if row.state == PAUSED}


@dataclass
class AgentTime:
    ready_seconds: float = 0.0
    talk_seconds: float = 0.0
    wrap_seconds: float = 0.0
    calls: int = 0  # calls taken over
    wrapped: int = 0  # of them, wrapped up

    @property
    def occupancy(self) -> float | None:
        if self.ready_seconds <= 0:
            return None
        return min(1.0, (self.talk_seconds + self.wrap_seconds) / self.ready_seconds)

    @property
    def average_wrap_seconds(self) -> float | None:
        return round(self.wrap_seconds / self.wrapped, 1) if self.wrapped else None

    def as_dict(self) -> dict[str, float | int | None]:
        return {"ready_seconds": round(self.ready_seconds), "talk_seconds": round(self.talk_seconds),
                "wrap_seconds": round(self.wrap_seconds), "calls": self.calls,
                "occupancy": None if self.occupancy is None else round(self.occupancy, 3),
                "average_wrap_seconds": self.average_wrap_seconds}  # fmt: skip


def agent_time(session: Session, since: dt.datetime, now: dt.datetime | None = None) -> dict[str, AgentTime]:
    """Each agent's time from `since` to `now`, by agent name."""
    now = now or utcnow()
    times: defaultdict[str, AgentTime] = defaultdict(AgentTime)
    _ready_time(session, since, now, times)
    calls = select(
        CallAttempt.agent_name, CallAttempt.connected_at, CallAttempt.ended_at, CallAttempt.wrapped_at
    ).where(CallAttempt.connected_at >= since, CallAttempt.agent_name.is_not(None))
    for agent, connected, ended, wrapped in session.execute(calls):
        time = times[agent]
        time.calls += 1
        time.talk_seconds += max(0.0, ((ended or now) - connected).total_seconds())
        if ended is not None and wrapped is not None:
            time.wrapped += 1
            time.wrap_seconds += max(0.0, (wrapped - ended).total_seconds())
    return dict(times)


def _ready_time(session: Session, since: dt.datetime, now: dt.datetime, times: defaultdict[str, AgentTime]) -> None:
    # Each agent's state as `since` began counts too: a shift that started before it is ready from `since` on.
    changes = session.scalars(select(AgentState).where(AgentState.at >= since).order_by(AgentState.id))
    last_ids = select(func.max(AgentState.id)).where(AgentState.at < since).group_by(AgentState.agent)
    latest_before = select(AgentState).where(AgentState.id.in_(last_ids))
    current: dict[str, tuple[AgentState, dt.datetime]] = {s.agent: (s, since) for s in session.scalars(latest_before)}
    for change in changes:
        if change.agent in current:
            times[change.agent].ready_seconds += _ready_seconds(*current[change.agent], change.at)
        current[change.agent] = (change, change.at)
    for agent, (state, began) in current.items():  # every agent seen gets an entry, ready or not
        times[agent].ready_seconds += _ready_seconds(state, began, now)


def _ready_seconds(state: AgentState, began: dt.datetime, ended: dt.datetime) -> float:
    """Time ready in a state from `began` to `ended`, cut short where its dialer stopped confirming it."""
    if state.state != READY:
        return 0.0
    if state.confirmed_at is not None:
        ended = min(ended, state.confirmed_at + UNCONFIRMED_AFTER)
    return max(0.0, (ended - began).total_seconds())


def team_figures(times: list[AgentTime]) -> dict[str, float | None]:
    """The team's occupancy and average wrap-up, weighted by each agent's time."""
    total = AgentTime()
    for time in times:
        total.ready_seconds += time.ready_seconds
        total.talk_seconds += time.talk_seconds
        total.wrap_seconds += time.wrap_seconds
        total.wrapped += time.wrapped
    return {
        "occupancy": None if total.occupancy is None else round(total.occupancy, 3),
        "average_wrap_seconds": total.average_wrap_seconds,
    }
