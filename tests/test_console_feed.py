"""The console's live feed, without SIP: what a browser receives, and what it may send."""

from __future__ import annotations

import json
from pathlib import Path

from console.app import create_app
from console.live import LiveFeed
from console.testing import RecordingControl
from dialer.live_calls import CallCommandError
from tests.helpers import add_account, api_token, migrated_sessions, signed_in
from tierdial.bus import EventBus
from tierdial.config import parse_config
from tierdial.messages import Answered, AudioGaps, CallEnded, FinalTranscript, PartialTranscript, TierDecided


class _Control(RecordingControl):
    """Refuses what the dialer would refuse: a bogus disposition, a call that is gone."""

    def dispose(self, call_id: str, disposition: str, notes: str, by: str, callback_at: str | None = None) -> bool:
        if disposition == "bogus":
            raise CallCommandError(400, "disposition must be one of sale, ...")
        return super().dispose(call_id, disposition, notes, by, callback_at)

    def take_over(self, call_id: str, agent: str) -> None:
        if call_id == "gone":
            raise CallCommandError(404, "no live call gone")
        super().take_over(call_id, agent)


def test_a_page_opened_mid_call_catches_up_on_calls_in_progress() -> None:
    bus = EventBus()
    feed = LiveFeed(bus, _Control())
    bus.publish(Answered("c1", "G722"))
    bus.publish(PartialTranscript("c1", "가격", 300))
    bus.publish(FinalTranscript("c1", "가격이 얼마예요", 0, 900))
    bus.publish(TierDecided("c1", "A", 0.9, ("가격",), "가격이 얼마예요", True))
    bus.publish(Answered("c2", "G722"))
    bus.publish(CallEnded("c2", "answered", 200, "OK"))
    bus.publish(AudioGaps("c2", 0, 40, 40))  # the engine's word on the audio may come after the end: no ghost call
    client = feed.connect()
    replay = [json.loads(client.get_nowait()) for _ in range(client.qsize())]
    assert [(m["type"], m["call_id"]) for m in replay] == [
        ("Answered", "c1"),
        ("FinalTranscript", "c1"),
        ("TierDecided", "c1"),
    ]
    bus.publish(FinalTranscript("c1", "<script>alert(1)</script>", 900, 1500))
    assert json.loads(client.get_nowait())["text"] == "<script>alert(1)</script>"  # data, escaped by the page


def test_takeover_endpoint_answers_clearly(tmp_path: Path) -> None:
    control = _Control()
    sessions = migrated_sessions(tmp_path / "console.db")
    add_account(sessions, "agent1", "agent")
    config = parse_config({"data_dir": str(tmp_path)})
    app = create_app(config, LiveFeed(EventBus(), control), sessions)
    web, csrf = signed_in(app, "agent1")
    headers = {"X-CSRFToken": csrf}
    # The signed-in agent takes the call over: whatever name a request body gives is not used.
    assert web.post("/api/v1/calls/c1/takeover", json={"agent": "someone"}, headers=headers).status_code == 202
    assert control.taken == [("c1", "agent1")]
    refused = web.post("/api/v1/calls/gone/takeover", json={}, headers=headers)
    assert refused.status_code == 404 and refused.json["error"] == "refused"
    detached = create_app(config, sessions=sessions)
    assert signed_in(detached, "agent1")[0].post("/api/v1/calls/c1/takeover", json={}, headers=headers).status_code in (
        400,
        503,
    )
    assert detached.test_client().get("/healthz").json["live"] is False
    assert b"/static/agent.js" in web.get("/").data and b"EventSource" in web.get("/static/agent.js").data
    assert web.post("/api/v1/calls/c1/hangup", headers=headers).status_code == 202 and control.ended == ["c1"]
    saved = web.post("/api/v1/calls/c1/disposition", json={"disposition": "sale", "notes": "2 units"}, headers=headers)
    assert saved.status_code == 200 and control.disposed == [("c1", "sale", "2 units", "agent1")]
    assert web.post("/api/v1/calls/c1/disposition", json={"disposition": "bogus"}, headers=headers).status_code == 400
    assert web.post("/api/v1/calls/c1/disposition", json={"disposition": 3}, headers=headers).status_code == 400


def test_a_script_acts_on_calls_with_a_token_naming_the_agent(tmp_path: Path) -> None:
    control = _Control()
    sessions = migrated_sessions(tmp_path / "console.db")
    app = create_app(parse_config({"data_dir": str(tmp_path)}), LiveFeed(EventBus(), control), sessions)
    web = app.test_client()
    auth = {"Authorization": f"Bearer {api_token(sessions, 'calls:write')}"}
    assert web.post("/api/v1/calls/c1/takeover", json={"agent": "agent7"}, headers=auth).status_code == 202
    assert control.taken == [("c1", "agent7")]
    missing = web.post("/api/v1/calls/c1/takeover", json={}, headers=auth)
    assert missing.status_code == 400 and "agent" in missing.json["message"]
    assert web.post("/api/v1/calls/c1/takeover", json={"agent": "a"}).status_code == 401
    reader = {"Authorization": f"Bearer {api_token(sessions, 'lists:read')}"}
    assert web.post("/api/v1/calls/c1/hangup", headers=reader).status_code == 401
    assert control.ended == []
