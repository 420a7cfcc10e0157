"""The count of connections against a cap, and its rate-limited report of refusals."""

from __future__ import annotations

import logging

import pytest

from tierdial import connection_cap
from tierdial.connection_cap import ConnectionCap


def test_refusals_are_reported_once_per_interval_with_their_count(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tierdial.connection_cap")
    clock = [100.0]
    monkeypatch.setattr(connection_cap.time, "monotonic", lambda: clock[0])
    cap = ConnectionCap(2, "the test server")
    assert cap.enter() and cap.enter()
    assert not any(cap.enter() for _ in range(50))
    assert [r.getMessage() for r in caplog.records] == [
        "the test server: 2 connections open, its cap; refused 1 new one (the next refusals are reported at most "
        "every 10 s)"
    ]
    clock[0] += connection_cap.REPORT_EVERY_SECONDS
    assert not cap.enter()
    assert len(caplog.records) == 2 and "refused 50 new ones" in caplog.records[1].getMessage()
    cap.leave()
    assert cap.enter() and cap.open == 2  # room again as soon as one leaves


def test_a_cap_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="takes none"):
        ConnectionCap(0, "the test server")
