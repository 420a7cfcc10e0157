"""Webhooks: events reach a receiver as signed JSON, once per call and event, retried until delivered, logged."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from console.app import create_app
from console.live import LiveFeed
from console.testing import RecordingControl
from console.webhook_sender import WebhookSender
from dialer.models import CallAttempt, Contact
from tests.helpers import WebhookReceiver, api_token, migrated_sessions, seed_campaign, wait_until
from tierdial.bus import EventBus
from tierdial.config import parse_config
from tierdial.messages import CallEnded, HotLeadOffered, KpiAlert, TierDecided


@pytest.fixture
def console(tmp_path: Path):  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(tmp_path / "console.db")
    campaign_id = seed_campaign(sessions, "spring", ["+821030000001", "+821030000002"])
    with sessions.begin() as session:
        for index, contact in enumerate(session.scalars(select(Contact.id).where(Contact.campaign_id == campaign_id))):
            session.add(CallAttempt(call_id=f"c{index + 1}", campaign_id=campaign_id, contact_id=contact,
                                    caller_number="+82234567890"))  # fmt: skip
    bus = EventBus()
    app = create_app(parse_config({"data_dir": str(tmp_path)}), LiveFeed(bus, RecordingControl()), sessions)
    app.extensions["tierdial.webhooks"].stop()  # replaced by one that retries within the test's time
    app.extensions["test.sessions"] = sessions
    sender = WebhookSender(bus, sessions, retry_delays=(0.2, 0.2, 0.2))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(sessions, 'webhooks:write')}"}
    yield client, headers, bus
    sender.stop()


def test_events_arrive_signed_once_each_and_are_retried_until_delivered(console) -> None:  # type: ignore[no-untyped-def]
    client, headers, bus = console
    receiver = WebhookReceiver({"/crm": [503]})  # the CRM is down for the first delivery
    added = client.post("/api/v1/webhooks", json={"url": receiver.url("/crm"), "events": ["tier.hot", "call.ended"]},
                        headers=headers)  # fmt: skip
    assert added.status_code == 201 and added.json["secret"].startswith("whsec_")
    secret = added.json["secret"]

    bus.publish(HotLeadOffered("c1", "spring", "B", 0.93, ("price",), "how much is it", paced=False))
    bus.publish(HotLeadOffered("c1", "spring", "A", 0.95, ("when",), "when can you come", paced=True))  # the same lead
    bus.publish(TierDecided("c2", "E", 1.0, ("stop",), "stop calling me", True, by_rule=True))  # not subscribed
    bus.publish(CallEnded("c1", "answered", 200, "BYE"))
    wait_until(lambda: len({h["X-Tierdial-Delivery"] for _, h, _ in receiver.received}) == 2 and
               len(receiver.received) == 3, 15, "two deliveries, one of them sent twice")  # fmt: skip
    by_event: dict[str, list] = {}
    for _, sent_headers, body in receiver.received:
        timestamp = sent_headers["X-Tierdial-Timestamp"]
        expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        assert sent_headers["X-Tierdial-Signature"] == f"sha256={expected}"
        by_event.setdefault(sent_headers["X-Tierdial-Event"], []).append(json.loads(body))
    hot = by_event["tier.hot"]
    assert len(hot) == 2 and hot[0] == hot[1]  # the 503, then the same delivery again
    assert hot[0]["tier"] == "B" and hot[0]["evidence"] == ["price"] and hot[0]["call"]["phone"] == "+821030000001"
    assert hot[0]["call"]["campaign"] == "spring"
    assert [e["outcome"] for e in by_event["call.ended"]] == ["answered"]

    # The receiver has its 200 a moment before the sender writes it down: the log is asked until both are done.
    url = f"/api/v1/webhooks/{added.json['id']}/deliveries"
    log = wait_until(lambda: (d := client.get(url, headers=headers).json["deliveries"]) and
                     all(e["status"] != "pending" for e in d) and d, 15, "both deliveries logged as done")  # fmt: skip
    assert {(d["event"], d["status"], d["attempts"]) for d in log} == {("tier.hot", "delivered", 2),
                                                                      ("call.ended", "delivered", 1)}  # fmt: skip
    assert any(d["last_status"] == 200 for d in log)


def test_a_kpi_alert_reaches_a_webhook_once_with_no_dashboard_open(console) -> None:  # type: ignore[no-untyped-def]
    client, headers, bus = console
    receiver, announced = WebhookReceiver({}), []
    bus.subscribe(lambda m: announced.append(m) if isinstance(m, KpiAlert) else None)
    hook = client.post(
        "/api/v1/webhooks", json={"url": receiver.url("/chat"), "events": ["kpi.alert"]}, headers=headers
    )
    assert hook.status_code == 201
    supervisor = {"Authorization": f"Bearer {api_token(client.application.extensions['test.sessions'], 'kpis:write')}"}
    # Neither call has connected: a connect rate of 0 against 90 %, missed at once, alerting at once.
    target = {"kpi": "connect_rate", "target": 0.9, "alert_after_minutes": 0}
    assert client.put("/api/v1/kpis/targets", json=target, headers=supervisor).status_code == 200

    watcher = client.application.extensions["tierdial.kpi_watch"]
    watcher.check()  # what its thread does every 15 s
    watcher.check()  # the alert goes on, and is not announced again
    wait_until(lambda: receiver.received, 15, "the kpi.alert delivery")
    # Sent once: a second delivery of the alert would be stored, and so sent, before an event that comes after it,
    # and the one delivery is done with (no retry to come).
    later = {"url": receiver.url("/later"), "events": ["call.ended"]}
    assert client.post("/api/v1/webhooks", json=later, headers=headers).status_code == 201
    bus.publish(CallEnded("c1", "answered", 200, "BYE"))
    wait_until(lambda: any(path == "/later" for path, _, _ in receiver.received), 15, "the later call.ended delivery")
    assert [path for path, _, _ in receiver.received] == ["/chat", "/later"] and len(announced) == 1
    log = client.get(f"/api/v1/webhooks/{hook.json['id']}/deliveries", headers=headers).json["deliveries"]
    assert [(d["status"], d["attempts"]) for d in log] == [("delivered", 1)]
    _, sent_headers, body = receiver.received[0]
    alert = json.loads(body)
    assert sent_headers["X-Tierdial-Event"] == "kpi.alert" and "call" not in alert
    assert (alert["kpi"], alert["campaign"], alert["target"], alert["actual"]) == ("connect_rate", None, 0.9, 0.0)


def test_a_receiver_that_never_answers_well_fails_after_the_last_retry(console) -> None:  # type: ignore[no-untyped-def]
    client, headers, bus = console
    receiver = WebhookReceiver({"/broken": [500] * 10})
    added = client.post("/api/v1/webhooks", json={"url": receiver.url("/broken"), "events": ["opt_out"]},
                        headers=headers).json  # fmt: skip
    bus.publish(TierDecided("c2", "E", 1.0, ("stop",), "stop calling me", True, by_rule=True))
    url = f"/api/v1/webhooks/{added['id']}/deliveries"

    def failed_for_good() -> dict | None:
        deliveries = client.get(url, headers=headers).json["deliveries"]
        return deliveries[0] if deliveries and deliveries[0]["status"] == "failed" else None

    delivery = wait_until(failed_for_good, 15, "the delivery to fail after its last retry")
    assert delivery["attempts"] == 4 and delivery["last_status"] == 500 and "HTTP 500" in delivery["last_error"]
    assert len(receiver.received) == 4
    listed = client.get("/api/v1/webhooks", headers=headers).json["webhooks"]
    assert listed[0]["failed_deliveries"] == 1
    assert client.delete(f"/api/v1/webhooks/{added['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/webhooks", headers=headers).json["webhooks"] == []


def test_bad_webhooks_are_refused_with_the_reason(console) -> None:  # type: ignore[no-untyped-def]
    client, headers, _ = console
    bad_url = client.post("/api/v1/webhooks", json={"url": "ftp://x", "events": ["tier.hot"]}, headers=headers)
    assert bad_url.status_code == 400 and "http://" in bad_url.json["message"]
    assert client.post("/api/v1/webhooks", json={"url": "http://[::1", "events": ["tier.hot"]},
                       headers=headers).status_code == 400  # fmt: skip
    bad_event = client.post("/api/v1/webhooks", json={"url": "https://crm.example/h", "events": ["everything"]},
                            headers=headers)  # fmt: skip
    assert bad_event.status_code == 400 and "tier.hot" in bad_event.json["message"]
    assert client.post("/api/v1/webhooks", json=["x"], headers=headers).status_code == 400
    assert client.delete("/api/v1/webhooks/999", headers=headers).status_code == 404
    assert client.get("/api/v1/webhooks/999/deliveries", headers=headers).status_code == 404
