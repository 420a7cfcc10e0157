"""The hopper never serves a contact it must not call, whatever the list, clock, zones and history.

Hypothesis generates contacts in several countries and zones, do-not-call entries (numbers,
prefixes, per campaign), calling rules (hours, closed weekdays, regional hours, holidays),
caps, and a shift of steps: the clock moves, the hopper is asked for contacts, calls end
with random outcomes or stay in flight. Every contact served is checked against rules
computed here from the test's own record of what happened.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from dialer.calling_window import time_zones_of
from dialer.campaigns import create_campaign
from dialer.dnc import PREFIX_MARK
from dialer.hopper import next_callable
from dialer.lists.numbers import normalise
from dialer.models import CallList, CampaignStatus, CampaignZone, Contact, ContactStatus, DncScope, DoNotCall
from dialer.retry import after_attempt, retry_delay
from tierdial.config import WEEKDAYS, CampaignDefaults, RetryHours
from tierdial.db import Base
from tierdial.schema import import_all_tables

# Numbers whose zones differ: Seoul, New York, Los Angeles, London, Sydney, Perth, Shanghai, and a US
# toll-free number that may ring in any of some forty zones.
RANGES = ["+8210{:08d}", "+1212555{:04d}", "+1650253{:04d}", "+44207946{:04d}", "+61292{:06d}", "+61892{:06d}",
          "+86138{:08d}", "+1800555{:04d}"]  # fmt: skip
OUTCOMES = [
    "answered",
    "no_answer",
    "busy",
    "machine",
    "abandoned",
    "failed",
    "callback",
]  # callback: booked by an agent
RETRY = RetryHours()
T = TypeVar("T")


@dataclass
class Shift:
    in_flight: set[int] = field(default_factory=set)
    ended: dict[int, list[tuple[dt.datetime, str]]] = field(default_factory=dict)  # contact -> (end, outcome)
    closed: set[int] = field(default_factory=set)


def hours(start: int, end: int) -> dict[str, str]:
    return {"start": f"{start:02d}:00", "end": f"{end:02d}:00"}


class Chooser(Protocol):
    """Where a shift's choices come from: hypothesis in the property test, a seeded random in the count below."""

    def integer(self, low: int, high: int) -> int: ...
    def pick(self, options: Sequence[T]) -> T: ...
    def some(self, options: Sequence[T], most: int) -> list[T]: ...  # distinct, up to `most`


@dataclass
class HypothesisChoices:
    data: st.DataObject

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))

    def pick(self, options: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(options))

    def some(self, options: Sequence[T], most: int) -> list[T]:
        return self.data.draw(st.lists(st.sampled_from(options), max_size=most, unique=True))


@dataclass
class SeededChoices:
    random: random.Random

    def integer(self, low: int, high: int) -> int:
        return self.random.randint(low, high)

    def pick(self, options: Sequence[T]) -> T:
        return self.random.choice(options)

    def some(self, options: Sequence[T], most: int) -> list[T]:
        return self.random.sample(list(options), self.random.randint(0, min(most, len(options))))


def calling_rules(choose: Chooser) -> dict:
    start = choose.integer(8, 14)
    end = choose.integer(start + 1, 21)
    weekdays: dict = {}
    for day in choose.some(WEEKDAYS, 3):
        s = choose.integer(8, 20)
        weekdays[day] = choose.pick(["closed", hours(s, choose.integer(s + 1, 21))])
    regions = {}
    if choose.pick([True, False]):
        s = choose.integer(8, 20)
        regions[choose.pick(["US", "AU", "KR"])] = hours(s, choose.integer(s + 1, 21)) | {
            "holidays": [f"2026-03-{choose.integer(1, 9):02d}"]
        }
    holidays = [f"2026-03-{d:02d}" for d in choose.some(range(1, 10), 2)]
    return {**hours(start, end), "weekdays": weekdays, "regions": regions, "holidays": holidays}


def allowed_now(rules: dict, phone: str, region: str, now: dt.datetime) -> bool:
    """The rules, worked out here without the product's code: every zone must be open."""
    zones = time_zones_of(phone)
    if not zones:
        return False
    for zone in zones:
        local = now.astimezone(ZoneInfo(zone))
        day, weekday = local.date().isoformat(), WEEKDAYS[local.weekday()]
        regional = rules["regions"].get(region)
        if day in rules["holidays"] or (regional and day in regional["holidays"]):
            return False
        rule = rules["weekdays"].get(weekday)
        if rule == "closed":
            return False
        spans = [rules] + [r for r in (rule, regional) if r]
        start, end = max(s["start"] for s in spans), min(s["end"] for s in spans)
        if not start <= local.strftime("%H:%M") < end:
            return False
    return True


def make_sessions():  # type: ignore[no-untyped-def]
    import_all_tables()
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA foreign_keys=ON"))
    Base.metadata.create_all(engine)
    return sessionmaker(engine, expire_on_commit=False)


@dataclass
class ShiftPlan:
    """A shift: the contacts, what is on do-not-call, the rules and caps, and the steps the clock takes with what
    each call does."""

    phones: list[str]
    listed: set[str]
    prefixes: set[str]
    rules: dict
    per_day: int
    total: int
    lowered: tuple[int, int]  # a supervisor lowers the cap to [1] at step [0]
    start: dt.datetime
    steps: list[tuple[int, int, list[str]]]  # minutes the clock moves, contacts asked for, outcomes of the calls


def plan_shift(choose: Chooser) -> ShiftPlan:
    numbers = (choose.pick(RANGES).format(choose.integer(0, 9999)) for _ in range(choose.integer(1, 14)))
    phones = list(dict.fromkeys(numbers))  # distinct, in the order drawn
    listed = set(choose.some(phones, 3))
    prefixes = {p[: choose.integer(7, 11)] for p in choose.some(phones, 2)}
    # Shifts start mostly in East Asian daytime, so many contacts are callable and the rules are exercised.
    minute = choose.integer(-60, 600) if choose.pick([True, False]) else choose.integer(0, 24 * 60)
    start = dt.datetime(2026, 3, choose.integer(1, 6), tzinfo=dt.UTC) + dt.timedelta(minutes=minute)
    steps = [
        (
            choose.integer(1, 90) if choose.pick([True, False]) else choose.integer(90, 1500),
            choose.integer(1, 6),
            [choose.pick([*OUTCOMES, "ringing"]) for _ in range(choose.integer(0, 6))],
        )
        for _ in range(choose.integer(3, 25))
    ]
    return ShiftPlan(phones, listed, prefixes, calling_rules(choose), choose.integer(1, 3), choose.integer(1, 6),
                     (choose.integer(1, 12), choose.integer(1, 3)), start, steps)  # fmt: skip


# A failing shift is reported as generated, with the blob that replays it: shrinking one takes many minutes.
@settings(
    phases=[Phase.explicit, Phase.generate],
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_hopper_serves_only_contacts_it_may_call(data: st.DataObject) -> None:
    choose = HypothesisChoices(data)
    plan = plan_shift(choose)
    note(repr(plan))
    run_shift(plan, choose)


def run_shift(plan: ShiftPlan, choose: Chooser) -> list[int]:
    """Runs the shift, checking every contact served; returns how many were served at each step."""
    phones, listed, prefixes, rules, per_day, total = (plan.phones, plan.listed, plan.prefixes, plan.rules,
                                                       plan.per_day, plan.total)  # fmt: skip
    sessions = make_sessions()
    defaults = CampaignDefaults(max_attempts_per_day=per_day, max_attempts_total=total, calling_window=rules)
    numbers = [normalise(p, "KR") for p in phones]
    with sessions.begin() as s:
        campaign = create_campaign(s, "spring", defaults, status=CampaignStatus.running)
        other = create_campaign(s, "autumn", defaults)
        call_list = CallList(
            campaign_id=campaign.id, name="l", source="t", consent_basis="consent", default_region="KR"
        )
        s.add(call_list)
        s.flush()
        for i, n in enumerate(numbers):
            s.add(Contact(id=i + 1, campaign_id=campaign.id, list_id=call_list.id, phone_e164=n.e164, region=n.region,
                          timezone=" ".join(n.zones)))  # fmt: skip
        for region, zones in {(n.region, " ".join(n.zones)) for n in numbers}:
            s.add(CampaignZone(campaign_id=campaign.id, region=region, timezone=zones))
        for j, phone in enumerate(sorted(listed)):
            scope = [DncScope.internal, DncScope.registry, DncScope.campaign][j % 3]
            s.add(DoNotCall(phone_e164=phone, scope=scope, campaign_id=campaign.id if scope == "campaign" else None,
                            reason="test", source="test"))  # fmt: skip
        s.add_all(
            DoNotCall(phone_e164=PREFIX_MARK + p, scope=DncScope.registry, reason="t", source="t") for p in prefixes
        )
        s.add(DoNotCall(phone_e164=phones[0], scope=DncScope.campaign, campaign_id=other.id, reason="t", source="t"))
        campaign_id = campaign.id
    shift, now, served_at_steps = Shift(), plan.start, []
    for step, (advance, limit, outcomes) in enumerate(plan.steps):
        now += dt.timedelta(minutes=advance)
        with sessions.begin() as s:
            campaign = s.get(type(campaign), campaign_id)
            if step == plan.lowered[0]:
                total = campaign.max_attempts_total = min(total, plan.lowered[1])
            served = next_callable(s, campaign, now=now, in_flight=shift.in_flight, limit=limit)
            assert len(served) <= limit
            served_at_steps.append(len(served))
            for contact in served:
                phone, history = contact.phone_e164, shift.ended.get(contact.id, [])
                assert contact.id not in shift.in_flight, "already in a call"
                assert contact.id not in shift.closed, "closed for good"
                assert phone not in listed and not any(phone.startswith(p) for p in prefixes), "on do-not-call"
                assert allowed_now(rules, phone, contact.region, now), f"outside the window at {now}"
                assert len(history) < total, "over the campaign's attempt cap"
                zone = ZoneInfo(contact.timezone.split()[0])
                today = [h for h in history if h[0].astimezone(zone).date() == now.astimezone(zone).date()]
                assert len(today) < per_day, "over the daily attempt cap"
                if history:
                    ended_at, outcome = history[-1]
                    if outcome.startswith("callback"):
                        assert now >= ended_at + dt.timedelta(minutes=int(outcome.split()[1])), "before the callback"
                    else:
                        assert now - ended_at >= retry_delay(outcome, RETRY), f"inside the retry delay after {outcome}"
            # Calls from earlier steps end now; the new ones ring or end at once.
            for contact_id in sorted(shift.in_flight):
                _end(s, shift, contact_id, campaign, "no_answer", now)
            for contact, outcome in zip(served, outcomes, strict=False):
                if outcome == "callback":
                    outcome = f"callback {choose.integer(5, 3000)}"  # minutes from now
                if outcome == "ringing":
                    shift.in_flight.add(contact.id)
                else:
                    _end(s, shift, contact.id, campaign, outcome, now)
    return served_at_steps


def _end(session, shift: Shift, contact_id: int, campaign, outcome: str, now: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    shift.in_flight.discard(contact_id)
    contact = session.get(Contact, contact_id)
    if outcome.startswith("callback"):
        contact.status = ContactStatus.callback
        contact.next_attempt_at = now + dt.timedelta(minutes=int(outcome.split()[1]))
    after_attempt(contact, campaign, outcome.split()[0].replace("callback", "answered"), None, now, RETRY)
    shift.ended.setdefault(contact_id, []).append((now, outcome))
    if contact.status == "closed":
        shift.closed.add(contact_id)


def test_the_generated_shifts_serve_many_contacts() -> None:
    """Not vacuous: shifts planned as the search above plans them do serve contacts, often several at once. Counted on
    shifts from a seeded random, not from hypothesis: even seeded, hypothesis mixes in constants it finds in the
    modules loaded so far, so the same seed gave other shifts after other tests had run."""
    served: list[int] = []
    for shift_seed in range(60):
        choose = SeededChoices(random.Random(shift_seed))
        served.extend(run_shift(plan_shift(choose), choose))
    assert sum(served) > 100 and max(served) > 1, f"{len(served)} steps, {sum(served)} served, at most {max(served)}"
