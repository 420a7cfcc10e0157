"""Caller numbers: one number per contact for good, local presence chosen once, quarantine that pauses."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from dialer.campaigns import create_campaign, find_campaign
from dialer.dial_check import plan_dial
from dialer.lists.importer import ListTerms, import_list
from dialer.lists.rows import RowReader
from dialer.models import Campaign, CampaignStatus, Contact
from dialer.number_reports import report
from dialer.retry import after_attempt
from number_pool.campaign_numbers import campaign_number_rows, choose_numbers
from number_pool.models import CallerNumber, NumberStatus
from number_pool.pool import sync_numbers
from number_pool.reputation import ReportKind, release
from tests.helpers import migrated_sessions
from tierdial.audit import AuditEntry
from tierdial.config import CampaignDefaults, Config, RetryHours, parse_config
from tierdial.errors import UserError

SEOUL_NUMBERS = ["+82 2 3456 7890", "+82 2 3456 7891", "+82 2 3456 7892"]
NEW_YORK_NUMBER = "+1 212 555 0100"
TUESDAY_NOON_SEOUL = dt.datetime(2026, 3, 3, 3, 0, tzinfo=dt.UTC)


def _config(*numbers: str) -> Config:
    return parse_config(
        {
            "trunks": [{"name": "t", "uri": "sip:127.0.0.1:5070"}],
            "caller_numbers": [
                {"number": n, "trunk": "t", "region": "US" if n.startswith("+1") else "KR", "owned": True}
                for n in numbers
            ],
        }
    )


def _open(path: Path):  # type: ignore[no-untyped-def]
    return migrated_sessions(path)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "pool.db"
    sessions = _open(path)
    with sessions.begin() as s:
        sync_numbers(s, _config(*SEOUL_NUMBERS, NEW_YORK_NUMBER).caller_numbers)
        create_campaign(s, "spring", CampaignDefaults(max_attempts_total=30), status=CampaignStatus.running)
        local = create_campaign(s, "local", CampaignDefaults(), status=CampaignStatus.running)
        local.local_presence = True
    rows = "phone\n" + "".join(f"010-3000-{i:04d}\n" for i in range(40)) + "+1 212 555 0199\n"
    for campaign in ("spring", "local"):
        terms = ListTerms("customer file", "existing_customer", "KR", "leads.csv")
        import_list(sessions, campaign, RowReader(io.BytesIO(rows.encode()), "leads.csv", "csv"), terms)
    return path


def _dial(sessions, campaign: str, last4: str, now: dt.datetime):  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        found = s.scalar(select(Campaign).where(Campaign.name == campaign))
        contact = s.scalar(select(Contact).where(Contact.campaign_id == found.id, Contact.phone_e164.endswith(last4)))
        plan = plan_dial(s, found, contact, now)
        if plan.caller_number:
            after_attempt(contact, found, "no_answer", None, now, RetryHours())
        return plan


def test_one_contact_sees_exactly_one_number_over_many_attempts_and_restarts(db: Path) -> None:
    seen, now = [], TUESDAY_NOON_SEOUL
    for attempt in range(30):
        sessions = _open(db)  # a restart every attempt, with the pool growing and reordered in config.yaml
        with sessions.begin() as s:
            numbers = [*reversed(SEOUL_NUMBERS), f"+82 2 3456 78{10 + attempt:02d}", NEW_YORK_NUMBER]
            sync_numbers(s, _config(*numbers).caller_numbers)
        plan = _dial(sessions, "spring", "0007", now)
        assert plan.refusal is None
        seen.append(plan.caller_number)
        now += dt.timedelta(hours=5) if attempt % 2 == 0 else dt.timedelta(hours=19)  # two attempts a day
    assert len(seen) == 30 and len(set(seen)) == 1
    spread = {_dial(sessions, "spring", f"{i:04d}", TUESDAY_NOON_SEOUL).caller_number for i in range(20, 40)}
    assert len(spread) > 3  # other contacts do use the whole pool


def test_local_presence_picks_a_number_from_the_callees_region_once(db: Path) -> None:
    sessions = _open(db)
    new_york_morning = TUESDAY_NOON_SEOUL + dt.timedelta(hours=11)  # 10:00 in New York
    seoul = {n.replace(" ", "") for n in SEOUL_NUMBERS}
    assert _dial(sessions, "local", "0199", new_york_morning).caller_number == "+12125550100"
    chosen = {f"{i:04d}": _dial(sessions, "local", f"{i:04d}", TUESDAY_NOON_SEOUL).caller_number for i in range(10)}
    assert set(chosen.values()) <= seoul
    with sessions.begin() as s:  # a second New York number arrives: the New York contact keeps its first
        sync_numbers(s, _config(*SEOUL_NUMBERS, NEW_YORK_NUMBER, "+1 212 555 0101").caller_numbers)
    assert _dial(sessions, "local", "0199", new_york_morning + dt.timedelta(days=1)).caller_number == "+12125550100"
    assert {k: _dial(sessions, "local", k, TUESDAY_NOON_SEOUL + dt.timedelta(days=1)).caller_number
            for k in chosen} == chosen  # fmt: skip


def test_a_reported_number_is_quarantined_its_campaigns_pause_and_its_contacts_wait(db: Path) -> None:
    sessions = _open(db)
    first = _dial(sessions, "spring", "0007", TUESDAY_NOON_SEOUL).caller_number
    limits = Config().quarantine_after
    with sessions.begin() as s:
        assert not report(s, first, ReportKind.complaint, "callee complained to the carrier", limits).quarantined
        outcome = report(s, first, ReportKind.spam_label, "carrier app labels it 'spam risk'", limits)
        assert outcome.quarantined and outcome.paused == ["spring"]
    with sessions.begin() as s:
        spring = s.scalar(select(Campaign).where(Campaign.name == "spring"))
        assert spring.status is CampaignStatus.paused and "quarantined: 1 spam reports" in spring.status_reason
        number = s.scalar(select(CallerNumber).where(CallerNumber.e164 == first))
        assert number.status is NumberStatus.quarantined
        spring.status = CampaignStatus.running  # a supervisor restarts the campaign without releasing the number
    later = TUESDAY_NOON_SEOUL + dt.timedelta(days=1)
    refused = _dial(sessions, "spring", "0007", later)
    assert refused.caller_number is None and "quarantined" in refused.refusal  # no other number is shown instead
    with sessions.begin() as s:
        with pytest.raises(UserError, match="say why"):
            release(s, first, " ", "supervisor1")
        release(s, first, "carrier confirmed the label was a mistake", "supervisor1")
    assert _dial(sessions, "spring", "0007", later).caller_number == first
    with sessions() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert {"number_quarantined", "campaign_paused", "dial_refused", "number_released"} <= set(actions)


def test_a_number_taken_out_of_the_configuration_is_retired_not_replaced(db: Path) -> None:
    sessions = _open(db)
    first = _dial(sessions, "spring", "0007", TUESDAY_NOON_SEOUL).caller_number
    with sessions.begin() as s:
        sync_numbers(s, _config(*[n for n in SEOUL_NUMBERS if n.replace(" ", "") != first]).caller_numbers)
    refused = _dial(sessions, "spring", "0007", TUESDAY_NOON_SEOUL + dt.timedelta(days=1))
    assert refused.caller_number is None and "retired" in refused.refusal


def test_a_quarantined_number_stays_quarantined_when_it_leaves_the_configuration_and_returns(db: Path) -> None:
    sessions = _open(db)
    first = _dial(sessions, "spring", "0007", TUESDAY_NOON_SEOUL).caller_number
    with sessions.begin() as s:
        assert report(s, first, ReportKind.spam_label, "carrier label", Config().quarantine_after).quarantined
        sync_numbers(s, _config(*[n for n in SEOUL_NUMBERS if n.replace(" ", "") != first]).caller_numbers)
        sync_numbers(s, _config(*SEOUL_NUMBERS).caller_numbers)
        assert s.scalar(select(CallerNumber.status).where(CallerNumber.e164 == first)) is NumberStatus.quarantined


def test_a_campaign_offers_only_its_chosen_numbers_to_new_contacts_and_called_ones_keep_theirs(db: Path) -> None:
    sessions = _open(db)
    before = {f"{i:04d}": _dial(sessions, "spring", f"{i:04d}", TUESDAY_NOON_SEOUL).caller_number for i in range(5)}
    with sessions.begin() as s:
        spring = find_campaign(s, "spring").id
        with pytest.raises(UserError, match="not one of the organisation's"):
            choose_numbers(s, spring, ["+82 2 9999 0000"], "sam")
        with pytest.raises(UserError, match="not a phone number"):
            choose_numbers(s, spring, ["tomorrow"], "sam")
        choose_numbers(s, spring, ["+82 2 3456 7892"], "sam")  # written as a person types it
    later = TUESDAY_NOON_SEOUL + dt.timedelta(days=1)
    assert {k: _dial(sessions, "spring", k, later).caller_number for k in before} == before
    fresh = {_dial(sessions, "spring", f"{i:04d}", TUESDAY_NOON_SEOUL).caller_number for i in range(20, 40)}
    assert fresh == {"+82234567892"}
    with sessions() as s:
        rows = {r["number"]: r for r in campaign_number_rows(s, spring)}
        assert rows["+82234567892"]["chosen"] and rows["+82234567892"]["offered"]
        assert not rows["+82234567890"]["offered"] and sum(r["contacts"] for r in rows.values()) == 25

    with sessions.begin() as s:  # the only offered number is quarantined: spring pauses though few contacts see it
        outcome = report(s, "+82234567892", ReportKind.spam_label, "carrier label", Config().quarantine_after)
        assert "spring" in outcome.paused
        with pytest.raises(UserError, match="quarantined; only numbers in use"):
            choose_numbers(s, spring, ["+82234567892"], "sam")


def test_a_campaign_with_no_offered_number_in_use_pauses_instead_of_refusing_every_contact(db: Path) -> None:
    sessions = _open(db)
    with sessions.begin() as s:
        choose_numbers(s, find_campaign(s, "spring").id, ["+82234567891"], "sam")
        s.get(CallerNumber, s.scalar(select(CallerNumber.id).where(CallerNumber.e164 == "+82234567891"))).status = (
            NumberStatus.quarantined)  # fmt: skip
    refused = _dial(sessions, "spring", "0003", TUESDAY_NOON_SEOUL)
    assert refused.caller_number is None and "no caller number of the campaign is in use" in refused.refusal
    with sessions() as s:
        spring = find_campaign(s, "spring")
        assert spring.status is CampaignStatus.paused and "choose its numbers" in spring.status_reason
    with sessions.begin() as s:  # offering every number again lets it go on
        choose_numbers(s, spring.id, [], "sam")
        find_campaign(s, "spring").status = CampaignStatus.running
    assert _dial(sessions, "spring", "0003", TUESDAY_NOON_SEOUL).caller_number in {"+82234567890", "+82234567892",
                                                                                     "+12125550100"}  # fmt: skip
