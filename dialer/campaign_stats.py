"""What each campaign's calls add up to, read from the attempts: the figures on a supervisor's dashboard.

A live answer is a person who picked up: a call answered and not taken for a machine,
or one abandoned (answered, then nobody came on the line in time). Abandonment is
measured over live answers, as the cap is.
"""

from __future__ import annotations

import collections
import datetime as dt
from dataclasses import asdict, dataclass, replace

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from dialer.models import CallAttempt, CallOutcome, Campaign
from intent.tiers import HOT_TIERS, PACED_TIERS
from tierdial.db import on_postgresql


@dataclass(frozen=True, slots=True)
class CallCounts:
    dials: int = 0
    connects: int = 0  # answered by anything: people and machines
    live_answers: int = 0
    abandoned: int = 0
    hot_leads: int = 0
    taken_over: int = 0
    talk_seconds: float = 0.0
    tiers: tuple[tuple[str, int], ...] = ()  # final tier of answered calls: (tier, calls)

    def rate(self, part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def connect_rate(self) -> float | None:
        return self.rate(self.connects, self.dials)

    @property
    def abandon_rate(self) -> float | None:
        return self.rate(self.abandoned, self.live_answers)

    @property
    def hot_lead_yield(self) -> float | None:
        return self.rate(self.hot_leads, self.live_answers)

    def as_dict(self) -> dict[str, object]:
        rates = {"connect_rate": self.connect_rate, "abandon_rate": self.abandon_rate}
        return {**asdict(self), **rates, "hot_lead_yield": self.hot_lead_yield, "tiers": dict(self.tiers)}


def _seconds_between(session: Session, start: ColumnElement, end: ColumnElement) -> ColumnElement:
    if on_postgresql(session):
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400


def _hour(session: Session, moment: ColumnElement) -> ColumnElement:
    """The UTC hour a stored time falls in (a string on SQLite, a time on PostgreSQL: see `_as_hour`)."""
    if on_postgresql(session):
        return func.date_trunc("hour", func.timezone("UTC", moment))
    return func.strftime("%Y-%m-%dT%H:00:00", moment)


def _as_hour(value: str | dt.datetime) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=dt.UTC)


def _counts(
    session: Session, since: dt.datetime, until: dt.datetime, key: ColumnElement | None = None
) -> dict[object, CallCounts]:
    """Counts of the calls started in [since, until), by campaign id or by `key`."""
    key = CallAttempt.campaign_id if key is None else key
    answered = CallAttempt.outcome == CallOutcome.answered
    # A live answer cut by a station's death counts as answered, and as abandoned unless an agent had it.
    cut = (CallAttempt.outcome == CallOutcome.interrupted) & CallAttempt.answered_at.is_not(None)
    cut_alone = cut & CallAttempt.connected_at.is_(None)
    live = CallAttempt.outcome.in_([CallOutcome.answered, CallOutcome.abandoned]) | cut
    connected = CallAttempt.outcome.in_([CallOutcome.answered, CallOutcome.abandoned, CallOutcome.machine]) | cut
    talk = func.sum(
        case(
            (answered & CallAttempt.answered_at.is_not(None) & CallAttempt.ended_at.is_not(None),
             _seconds_between(session, CallAttempt.answered_at, CallAttempt.ended_at)),
            else_=0,
        )
    )  # fmt: skip
    rows = session.execute(
        select(
            key,
            func.count(),
            func.count().filter(connected),
            func.count().filter(live),
            func.count().filter((CallAttempt.outcome == CallOutcome.abandoned) | cut_alone),
            func.count().filter(answered & CallAttempt.final_tier.in_(HOT_TIERS)),
            func.count().filter(CallAttempt.agent_name.is_not(None)),
            talk,
        )
        .where(CallAttempt.started_at >= since, CallAttempt.started_at < until)
        .group_by(key)
    )
    return {row[0]: CallCounts(*row[1:7], talk_seconds=round(float(row[7] or 0), 1)) for row in rows}


def _with_tier_mix(
    session: Session, counts: dict[int, CallCounts], since: dt.datetime, until: dt.datetime
) -> dict[int, CallCounts]:
    """The same counts, each with its calls' final tiers (shown for today only, so asked for today only)."""
    mix: dict[int, dict[str, int]] = {}
    for campaign_id, tier, calls in session.execute(
        select(CallAttempt.campaign_id, CallAttempt.final_tier, func.count())
        .where(CallAttempt.started_at >= since, CallAttempt.started_at < until, CallAttempt.final_tier.is_not(None))
        .group_by(CallAttempt.campaign_id, CallAttempt.final_tier)
    ):
        mix.setdefault(campaign_id, {})[tier] = calls
    return {key: replace(c, tiers=tuple(sorted(mix.get(key, {}).items()))) for key, c in counts.items()}


def _sum(counts: list[CallCounts]) -> CallCounts:
    totals = [sum(getattr(c, field) for c in counts) for field in CallCounts.__slots__ if field != "tiers"]
    tiers: collections.Counter[str] = collections.Counter()
    for c in counts:
        tiers.update(dict(c.tiers))
    return CallCounts(*totals, tiers=tuple(sorted(tiers.items())))


def start_of_day(now: dt.datetime) -> dt.datetime:
    """Midnight where the console runs: a supervisor's 'today'."""
    local = now.astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def campaign_stats(session: Session, now: dt.datetime) -> dict[str, object]:
    """Per campaign and overall: today's calls, the last hour's dials, abandonment today and over 30 days."""
    until = now + dt.timedelta(seconds=1)
    today = _with_tier_mix(session, _counts(session, start_of_day(now), until), start_of_day(now), until)
    last_hour = _counts(session, now - dt.timedelta(hours=1), until)
    month = _counts(session, now - dt.timedelta(days=30), until)
    campaigns = []
    for campaign in session.scalars(select(Campaign).order_by(Campaign.id.desc())):
        counts = today.get(campaign.id, CallCounts())
        campaigns.append(
            {
                "campaign": campaign.name,
                "status": campaign.status.value,
                "abandon_cap": campaign.abandon_cap,
                "today": counts.as_dict(),
                "calls_per_hour": last_hour.get(campaign.id, CallCounts()).dials,
                "abandon_rate_30d": month.get(campaign.id, CallCounts()).abandon_rate,
            }
        )
    overall = _sum(list(today.values()))
    return {
        "campaigns": campaigns,
        "shift": shift_by_hour(session, start_of_day(now), until),
        "overall": {
            "today": overall.as_dict(),
            "calls_per_hour": _sum(list(last_hour.values())).dials,
            "abandon_rate_30d": _sum(list(month.values())).abandon_rate,
        },
    }


def shift_by_hour(session: Session, since: dt.datetime, until: dt.datetime) -> list[dict[str, object]]:
    """All campaigns' calls hour by hour, each hour from `since` on (an hour without calls is there with zeros):
    the dashboard's charts over the shift."""
    counts = {
        _as_hour(hour): c for hour, c in _counts(session, since, until, _hour(session, CallAttempt.started_at)).items()
    }
    hour = since.replace(minute=0, second=0, microsecond=0)
    hours = []
    while hour < until:
        figures = counts.get(hour, CallCounts())
        hours.append({"hour": hour.isoformat(), "dials": figures.dials, "connects": figures.connects,
                      "live_answers": figures.live_answers, "abandoned": figures.abandoned,
                      "hot_leads": figures.hot_leads, "abandon_rate": figures.abandon_rate,
                      "connect_rate": figures.connect_rate})  # fmt: skip
        hour += dt.timedelta(hours=1)
    return hours


def hot_lead_record(session: Session, campaign_id: int, now: dt.datetime) -> tuple[int, int]:
    """The campaign's hot leads pacing answers for (`PACED_TIERS`) over the last 30 days, and those nobody took: the
    live dialer's answers and abandons, from the records, so a station taking the campaign over keeps its budget. A
    call cut by a station's death before an agent had it counts as both."""
    offered = CallAttempt.final_tier.in_(PACED_TIERS) | (
        (CallAttempt.outcome == CallOutcome.interrupted) & CallAttempt.answered_at.is_not(None)
    )
    row = session.execute(
        select(func.count().filter(offered), func.count().filter(offered & CallAttempt.connected_at.is_(None))).where(
            CallAttempt.campaign_id == campaign_id,
            CallAttempt.started_at >= now - dt.timedelta(days=30),
            CallAttempt.outcome != CallOutcome.in_progress,
        )
    ).one()
    return int(row[0]), int(row[1])
