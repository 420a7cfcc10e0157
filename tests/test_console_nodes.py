"""Two console nodes, each attached to its own dialer, on one PostgreSQL database: a webhook delivery is sent by one
node only, and a KPI alert is announced once, however the nodes' work interleaves."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import time

import pytest
from sqlalchemy import select

from console.kpi_report import kpi_report
from console.kpis import set_target
from console.models import WebhookDelivery
from console.webhook_sender import WebhookSender
from console.webhooks import add_webhook, queue_event
from dialer.models import CallAttempt, Contact
from tests.helpers import WebhookReceiver, seed_campaign
from tierdial.audit import AuditEntry
from tierdial.bus import EventBus
from tierdial.messages import KpiAlert
from tierdial.schema import migrated_database

pytestmark = pytest.mark.postgres
_databases = itertools.count()


@pytest.fixture
def two_nodes(postgres_server):  # type: ignore[no-untyped-def]
    """Two nodes' own connections to one database of this test's own."""
    url = postgres_server.new_database(f"nodes{next(_databases)}")
    return migrated_database(url), migrated_database(url)


def test_each_webhook_delivery_is_sent_by_one_node(two_nodes) -> None:  # type: ignore[no-untyped-def]
    first, second = two_nodes
    receiver = WebhookReceiver({})
    now = dt.datetime.now(dt.UTC)
    with first.begin() as session:
        hook, _ = add_webhook(session, receiver.url("/crm"), ["call.ended"], "tests")
        for n in range(40):  # what one node's calls produced; the other node's sender sees them due too
            queue_event(session, [hook.id], "call.ended", json.dumps({"event": "call.ended", "n": n}), now)
    senders = [WebhookSender(EventBus(), first), WebhookSender(EventBus(), second)]
    try:
        deadline = time.monotonic() + 30
        while len(receiver.received) < 40 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # room for a second sending of any delivery
    finally:
        for sender in senders:
            sender.stop()
    ids = [headers["X-Tierdial-Delivery"] for _, headers, _ in receiver.received]
    assert len(ids) == 40 and len(set(ids)) == 40
    with second() as session:
        log = session.scalars(select(WebhookDelivery)).all()
        assert {(d.status, d.attempts) for d in log} == {("delivered", 1)}


def test_a_kpi_alert_is_announced_once_when_two_nodes_evaluate_together(two_nodes) -> None:  # type: ignore[no-untyped-def]
    first, second = two_nodes
    campaign_id = seed_campaign(first, "spring", ["+821030000001", "+821030000002"])
    with first.begin() as session:
        for index, contact in enumerate(session.scalars(select(Contact.id).where(Contact.campaign_id == campaign_id))):
            session.add(CallAttempt(call_id=f"c{index}", campaign_id=campaign_id, contact_id=contact,
                                    caller_number="+82234567890"))  # fmt: skip
        set_target(session, "connect_rate", 0.9, 0, "sam")  # no call connected: missed, alerting at once
    announced: list[KpiAlert] = []
    buses = EventBus(), EventBus()
    for bus in buses:
        bus.subscribe(lambda m: announced.append(m) if isinstance(m, KpiAlert) else None)
    evaluated, commit = threading.Event(), threading.Event()

    def node_one() -> None:
        with first.begin() as session:
            kpi_report(session, dt.datetime.now(dt.UTC), None, buses[0])
            evaluated.set()
            commit.wait(10)  # the second node evaluates while this one has not committed yet

    one = threading.Thread(target=node_one)
    one.start()
    assert evaluated.wait(10)
    reports: list[dict] = []
    two = threading.Thread(target=lambda: reports.append(_evaluate(second, buses[1])))
    two.start()
    time.sleep(1)
    commit.set()
    one.join(10)
    two.join(10)
    assert len(announced) == 1 and announced[0].kpi == "connect_rate"
    assert reports[0]["alerts"] and reports[0]["alerts"][0]["kpi"] == "connect_rate"  # the alert is on for it too
    with second() as session:
        assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == "kpi_alert")).all()) == 1


def _evaluate(sessions, bus: EventBus) -> dict:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        return kpi_report(session, dt.datetime.now(dt.UTC), None, bus)
