"""The console's live feed, without SIP: what a browser receives, and what it may send."""

from __future__ import annotations

import json

from console.app import create_app
from console.live import LiveFeed
from dialer.call_flow import CallCommandError
from tierdial.bus import EventBus
from tierdial.config import parse_config
from tierdial.messages import Answered, CallEnded, FinalTranscript, PartialTranscript, TierDecided


class _Control:
    def __init__(self) -> None:
        self.taken: list[tuple[str, str]] = []
        self.ended: list[str] = []
        self.disposed: list[tuple[str, str, str, str]] = []

    def hang_up(self, call_id: str) -> None:
        self.ended.append(call_id)

    def dispose(self, call_id: str, disposition: str, notes: str, by: str) -> None:
        if disposition == "bogus":
            raise CallCommandError(400, "disposition must be one of sale, ...")
        self.disposed.append((call_id, disposition, notes, by))

    def take_over(self, call_id: str, agent: str) -> None:
        if call_id == "gone":
            raise CallCommandError(404, "no live call gone")
        self.taken.append((call_id, agent))


def test_a_page_opened_mid_call_catches_up_on_calls_in_progress() -> None:
    bus = EventBus()
    feed = LiveFeed(bus, _Control())
    bus.publish(Answered("c1", "G722"))
    bus.publish(PartialTranscript("c1", "가격", 300))
    bus.publish(FinalTranscript("c1", "가격이 얼마예요", 0, 900))
    bus.publish(TierDecided("c1", "A", 0.9, ("가격",), "가격이 얼마예요", True))
    bus.publish(Answered("c2", "G722"))
    bus.publish(CallEnded("c2", "answered", 200, "OK"))
    client = feed.connect()
    replay = [json.loads(client.get_nowait()) for _ in range(client.qsize())]
    assert [(m["type"], m["call_id"]) for m in replay] == [
        ("Answered", "c1"),
        ("FinalTranscript", "c1"),
        ("TierDecided", "c1"),
    ]
    bus.publish(FinalTranscript("c1", "<script>alert(1)</script>", 900, 1500))
    assert json.loads(client.get_nowait())["text"] == "<script>alert(1)</script>"  # data, escaped by the page


def test_takeover_endpoint_answers_clearly() -> None:
    control = _Control()
    app = create_app(parse_config({}), LiveFeed(EventBus(), control))
    web = app.test_client()
    assert web.post("/api/v1/calls/c1/takeover", json={"agent": "agent1"}).status_code == 202
    assert control.taken == [("c1", "agent1")]
    refused = web.post("/api/v1/calls/gone/takeover", json={"agent": "agent1"})
    assert refused.status_code == 404 and refused.json["error"] == "refused"
    assert web.post("/api/v1/calls/c1/takeover", json={}).status_code == 400
    detached = create_app(parse_config({})).test_client()
    assert detached.post("/api/v1/calls/c1/takeover", json={"agent": "a"}).status_code == 503
    assert detached.get("/healthz").json["live"] is False
    assert b"EventSource" in web.get("/").data
    assert web.post("/api/v1/calls/c1/hangup").status_code == 202 and control.ended == ["c1"]
    saved = web.post("/api/v1/calls/c1/disposition", json={"disposition": "sale", "notes": "2 units", "agent": "a1"})
    assert saved.status_code == 200 and control.disposed == [("c1", "sale", "2 units", "a1")]
    assert web.post("/api/v1/calls/c1/disposition", json={"disposition": "bogus"}).status_code == 400
    assert web.post("/api/v1/calls/c1/disposition", json={"disposition": 3}).status_code == 400
