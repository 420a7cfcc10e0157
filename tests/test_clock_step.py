"""The clock stepping across the calling window's edge (an NTP step): nobody is dialled outside it, and the log
says why the campaign stopped dialling and when it resumes."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from dialer.call_flow import CallFlow
from dialer.models import CallAttempt
from dialer.runner import CampaignRunner
from tests.helpers import migrated_sessions, seed_campaign
from tierdial.audit import AuditEntry
from tierdial.bus import EventBus
from tierdial.config import parse_config

# seed_campaign calls 09:00-20:00 Seoul time; a Tuesday.
BEFORE_END = dt.datetime(2026, 3, 3, 10, 59, 59, tzinfo=dt.UTC)  # 19:59:59 in Seoul
AFTER_END = BEFORE_END + dt.timedelta(seconds=2)  # 20:00:01
BEFORE_START = dt.datetime(2026, 3, 3, 23, 59, 30, tzinfo=dt.UTC)  # 08:59:30 the next morning


class _Clock:
    """The station's clock, which a step moves at once (between two readings of it, if need be)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now, self.after_reads, self.then = now, -1, now

    def step_after(self, reads: int, to: dt.datetime) -> None:
        self.after_reads, self.then = reads, to

    def __call__(self) -> dt.datetime:
        if self.after_reads == 0:
            self.now = self.then
        self.after_reads -= 1
        return self.now


@pytest.fixture
def runner(tmp_path: Path, intent_model):  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(tmp_path / "clock.db")
    campaign_id = seed_campaign(sessions, "spring", ["+821030000001", "+821030000002"])
    config = parse_config({"data_dir": str(tmp_path)})
    clock = _Clock(BEFORE_END)
    flow = CallFlow(config, sessions, intent_model, EventBus(), clock=clock)  # no engine: nothing may be dialled
    runner = CampaignRunner(config, sessions, flow, campaign_id, lines=2, clock=clock, pacing="lines")
    return runner, sessions, clock


def test_contacts_picked_before_the_step_are_not_dialled_after_it(runner, caplog) -> None:  # type: ignore[no-untyped-def]
    runner, sessions, clock = runner
    clock.step_after(1, AFTER_END)  # the hopper reads 19:59:59; the check just before each dial, 20:00:01
    with caplog.at_level(logging.INFO, logger="dialer.runner"):
        runner.tick()
    with sessions() as session:
        assert session.scalars(select(CallAttempt)).all() == []
        refused = session.scalars(select(AuditEntry).where(AuditEntry.action == "dial_refused")).all()
    assert len(refused) == 2 and all("outside the calling window" in e.detail["reason"] for e in refused)
    assert sum("not dialled: outside the calling window 09:00-20:00" in r.getMessage() for r in caplog.records) == 2


def test_the_log_says_dialling_stopped_for_the_window_and_when_it_resumes(runner, caplog) -> None:  # type: ignore[no-untyped-def]
    runner, sessions, clock = runner
    clock.now = AFTER_END
    with caplog.at_level(logging.WARNING, logger="dialer.runner"):
        for _ in range(3):
            assert runner.tick() is False  # nothing to call now, and nothing in progress
    closed = [r.getMessage() for r in caplog.records if "calling window closed" in r.getMessage()]
    assert closed == ["calling window closed, no call placed until it opens: outside the calling window 09:00-20:00 "
                      "(Asia/Seoul, Tue 20:00)"]  # fmt: skip
    clock.now = BEFORE_START  # a step back to before the window opens: still closed, said once
    runner.tick()
    assert sum("calling window closed" in r.getMessage() for r in caplog.records) == 1
    with sessions() as session:
        assert session.scalars(select(CallAttempt)).all() == []


def test_the_fault_audit_reads_each_attempt_on_the_clock_as_it_was_then() -> None:
    """`bench faults` counts an attempt started at 21:00:05 on a stepped clock as dialled outside the window, and one
    started before the step at its own time."""
    from types import SimpleNamespace

    from station.fault_clock import SteppedClock, dialled_outside_window

    clock = SteppedClock(dt.time(20, 59, 50))
    before = dt.datetime.now(dt.UTC)
    clock.step_to(dt.time(21, 0, 0))
    after = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    assert f"{clock.at(before).astimezone(clock.zone):%H:%M}" == "20:59"
    attempts = [SimpleNamespace(started_at=at.replace(tzinfo=None), timezone="Asia/Seoul") for at in (before, after)]
    assert dialled_outside_window(attempts[:1], clock) == 0 and dialled_outside_window(attempts, clock) == 1
