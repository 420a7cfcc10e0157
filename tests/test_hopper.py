"""The hopper's order and the rules a supervisor changes mid-shift, on a migrated database."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from dialer.campaigns import create_campaign
from dialer.dnc import add_opt_out
from dialer.dnc_registry import load_registry
from dialer.hopper import next_callable
from dialer.lists.importer import ListTerms, import_list
from dialer.lists.rows import RowReader
from dialer.models import Campaign, CampaignStatus, Contact, ContactStatus
from dialer.retry import after_attempt
from tests.helpers import migrated_sessions
from tierdial.config import CampaignDefaults, RetryHours

NOON_SEOUL = dt.datetime(2026, 3, 3, 3, 0, tzinfo=dt.UTC)  # a Tuesday


@pytest.fixture
def sessions(tmp_path: Path):  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(tmp_path / "hopper.db")
    rows = "phone\n" + "".join(f"010-2000-{i:04d}\n" for i in range(6))
    with sessions.begin() as s:
        create_campaign(s, "spring", CampaignDefaults(), status=CampaignStatus.running)
        create_campaign(s, "autumn", CampaignDefaults(), status=CampaignStatus.running)
    for name in ("spring", "autumn"):
        terms = ListTerms("customer file", "existing_customer", "KR", "leads.csv")
        import_list(sessions, name, RowReader(io.BytesIO(rows.encode()), "leads.csv", "csv"), terms)
    return sessions


def _served(sessions, campaign: str = "spring", now: dt.datetime = NOON_SEOUL, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        found = s.scalar(select(Campaign).where(Campaign.name == campaign))
        return [c.phone_e164[-4:] for c in next_callable(s, found, now=now, limit=10, **kwargs)]


def _contact(s, last4: str, campaign_id: int = 1) -> Contact:  # type: ignore[no-untyped-def]
    return s.scalar(select(Contact).where(Contact.campaign_id == campaign_id, Contact.phone_e164.endswith(last4)))


def test_callbacks_due_come_first_then_new_contacts_then_retries(sessions) -> None:  # type: ignore[no-untyped-def]
    earlier = NOON_SEOUL - dt.timedelta(hours=30)
    with sessions.begin() as s:
        campaign = s.get(Campaign, 1)
        for last4, outcome in (("0004", "no_answer"), ("0001", "busy")):
            after_attempt(_contact(s, last4), campaign, outcome, None, earlier, RetryHours())
        booked = _contact(s, "0005")
        booked.status, booked.next_attempt_at = ContactStatus.callback, NOON_SEOUL - dt.timedelta(minutes=5)
        later = _contact(s, "0003")
        later.status, later.next_attempt_at = ContactStatus.callback, NOON_SEOUL + dt.timedelta(minutes=5)
    assert _served(sessions) == ["0005", "0000", "0002", "0001", "0004"]  # retries: longest due first
    assert _served(sessions, in_flight=[1]) == ["0005", "0002", "0001", "0004"]


def test_a_lowered_attempt_cap_stops_contacts_already_over_it(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        campaign = s.get(Campaign, 1)
        for _ in range(2):
            after_attempt(
                _contact(s, "0000"), campaign, "no_answer", None, NOON_SEOUL - dt.timedelta(days=3), RetryHours()
            )
        campaign.max_attempts_total = 2
    assert "0000" not in _served(sessions)


def test_an_opt_out_stops_every_campaign_and_a_registry_prefix_stops_its_range(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        add_opt_out(s, "+821020000001", "stop calling me", "call c-1")
        load_registry(s, ["010-2000-000*"], "national registry", "KR")
    assert _served(sessions, "spring") == []
    assert _served(sessions, "autumn") == []


def test_nobody_is_served_at_night_in_their_zone(sessions) -> None:  # type: ignore[no-untyped-def]
    assert _served(sessions, now=NOON_SEOUL + dt.timedelta(hours=10)) == []  # 22:00 in Seoul
    assert _served(sessions, now=NOON_SEOUL - dt.timedelta(hours=4, minutes=1)) == []  # 07:59 in Seoul
    assert len(_served(sessions, now=NOON_SEOUL - dt.timedelta(hours=4))) == 6  # 08:00


def test_a_contact_closes_with_a_reason_on_a_refusal_or_at_the_cap(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        campaign = s.get(Campaign, 1)
        campaign.max_attempts_total = 2
        retry, day = RetryHours(), NOON_SEOUL - dt.timedelta(days=2)
        assert after_attempt(_contact(s, "0000"), campaign, "answered", "D", day, retry) == "declined"
        assert after_attempt(_contact(s, "0001"), campaign, "answered", "E", day, retry) == "opted out"
        assert after_attempt(_contact(s, "0002"), campaign, "no_answer", None, day, retry) is None
        closing = after_attempt(_contact(s, "0002"), campaign, "busy", None, day + dt.timedelta(days=1), retry)
        assert closing == "attempt cap reached (2 of 2)"
    assert _served(sessions) == ["0003", "0004", "0005"]


def test_a_wrong_number_closes_at_once_whatever_attempts_are_left(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        campaign, retry = s.get(Campaign, 1), RetryHours()
        wrong = _contact(s, "0000")
        assert after_attempt(wrong, campaign, "answered", "F", NOON_SEOUL, retry, wrong_number=True) == "wrong number"
        assert (wrong.status, wrong.next_attempt_at, wrong.attempts) == (ContactStatus.closed, None, 1)
        assert after_attempt(_contact(s, "0001"), campaign, "answered", "F", NOON_SEOUL, retry) is None  # tried again
    assert "0000" not in _served(sessions, now=NOON_SEOUL + dt.timedelta(days=3))
