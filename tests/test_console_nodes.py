"""Two console nodes, each attached to its own dialer, on one PostgreSQL database: a webhook delivery is sent by one
node only, and a KPI alert is announced once, however the nodes' work interleaves."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading

import pytest
from sqlalchemy import select, text, update

from console.kpi_report import kpi_report
from console.kpis import set_target
from console.models import WebhookDelivery
from console.webhook_sender import WebhookSender
from console.webhooks import add_webhook, queue_event
from dialer.models import CallAttempt, Contact
from tests.helpers import WebhookReceiver, seed_campaign, wait_until
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


class _RacingSender(WebhookSender):
    """One node's sender, whose first claim waits at `barrier` until the other node's sender has read the due
    deliveries as well: the two then race for every one. Counts the claims it tried and those it won."""

    def __init__(self, sessions, barrier: threading.Barrier) -> None:  # type: ignore[no-untyped-def]
        self.barrier, self.tried, self.won = barrier, 0, 0
        self.raced = threading.Event()  # set once a sending pass that tried claims is over
        super().__init__(EventBus(), sessions)  # starts its thread: what it uses is set above

    def _claim(self, delivery_id: int, due_at: dt.datetime, now: dt.datetime) -> bool:
        if not self.tried:
            self.barrier.wait()
        self.tried += 1
        won = super()._claim(delivery_id, due_at, now)
        self.won += won
        return won

    def send_due(self) -> int:
        try:
            return super().send_due()
        finally:
            if self.tried:
                self.raced.set()


def test_each_webhook_delivery_is_sent_by_one_node(two_nodes) -> None:  # type: ignore[no-untyped-def]
    first, second = two_nodes
    receiver = WebhookReceiver({})
    now = dt.datetime.now(dt.UTC)
    with first.begin() as session:
        hook, _ = add_webhook(session, receiver.url("/crm"), ["call.ended"], "tests")
        for n in range(40):  # what one node's calls produced; the other node's sender sees them due too
            queue_event(session, [hook.id], "call.ended", json.dumps({"event": "call.ended", "n": n}), now)
    barrier = threading.Barrier(2, timeout=30)
    senders = [_RacingSender(first, barrier), _RacingSender(second, barrier)]
    try:
        for node, sender in enumerate(senders, 1):
            assert sender.raced.wait(30), f"node {node} never tried to claim the due deliveries"
    finally:
        for sender in senders:
            sender.stop()
    # Both nodes read all 40 as due before either claimed one: without the claim each would have sent all 40.
    assert [sender.tried for sender in senders] == [40, 40] and sum(sender.won for sender in senders) == 40
    ids = [headers["X-Tierdial-Delivery"] for _, headers, _ in receiver.received]
    assert len(ids) == 40 and len(set(ids)) == 40
    with second() as session:  # all sent and done with: nothing is left for a later pass to send again
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
    holder: list[int] = []  # node one's database connection, which holds the alert's row until it commits

    def node_one() -> None:
        with first.begin() as session:
            holder.append(session.execute(text("SELECT pg_backend_pid()")).scalar_one())
            kpi_report(session, dt.datetime.now(dt.UTC), None, buses[0])
            evaluated.set()
            commit.wait(10)  # the second node evaluates while this one has not committed yet

    one = threading.Thread(target=node_one)
    one.start()
    assert evaluated.wait(10)
    reports: list[dict] = []
    two = threading.Thread(target=lambda: reports.append(_evaluate(second, buses[1])))
    two.start()

    def evaluated_meanwhile() -> bool:
        """Node two read the target while node one had not committed: it has started the alert too and waits on the
        row node one's alert holds, or (were nothing to hold it) it is done."""
        if not two.is_alive():
            return True
        with first() as session:
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE :holder = ANY(pg_blocking_pids(pid))"
            return session.execute(text(waiting), {"holder": holder[0]}).scalar_one() > 0

    try:
        wait_until(evaluated_meanwhile, 10, "the second node to evaluate before the first commits")
    finally:
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


def test_two_console_nodes_count_one_minute_of_requests_together(postgres_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A caller whose requests a load balancer spreads over two nodes is limited as by one node, per token and per
    address, and the count starts afresh in the next minute."""
    from console.app import create_app
    from console.models import RateCount
    from tests.helpers import api_token
    from tierdial.config import parse_config

    url = postgres_server.new_database(f"nodes{next(_databases)}")
    limits = {"api_per_minute": 5, "api_per_address_per_minute": 8}
    nodes = []
    for n in (1, 2):
        config = parse_config({"data_dir": str(tmp_path / f"node{n}"), "database": {"url": url},
                               "console": {"rate_limits": limits}})  # fmt: skip
        nodes.append(create_app(config, sessions=migrated_database(url)))
    sessions = migrated_database(url)
    token = api_token(sessions, "campaigns:read")
    clients = [node.test_client() for node in nodes]

    def ask(n: int, bearer: str = token, address: str = "10.0.0.7") -> int:
        client = clients[n % 2]
        client.environ_base["REMOTE_ADDR"] = address
        return client.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {bearer}"}).status_code

    assert [ask(n) for n in range(6)] == [200] * 5 + [429]  # three on each node: one minute's five in all
    # Made-up tokens from one address, across both nodes: the address's eight, then refused.
    assert [ask(n, f"made-up-{n}", "10.0.0.8") for n in range(9)] == [401] * 8 + [429]
    with sessions.begin() as session:  # the minute passes
        session.execute(update(RateCount).values(expires_at=RateCount.expires_at - 61))
    assert ask(0) == 200 and ask(1) == 200
