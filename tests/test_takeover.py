"""Take over a hot call from the console: real SIP, a simulated agent headset, real ASR."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from asr.audio import read_wav
from asr.engine import AsrEngine
from asr.metrics import character_error_rate
from asr.transcripts import transcript_of
from console.app import create_app
from console.live import LiveFeed
from console.server import serve_in_thread
from dialer.agent_time import agent_time
from dialer.call_flow import CallFlow
from dialer.models import AgentState, CallAttempt, Contact
from dialer.runner import CampaignRunner
from dialer.telephony.legs import LegKind, leg_of
from dialer.telephony.pjsua2.engine import Pjsua2Engine
from dialer.telephony.registry import make_engine as make_telephony
from intent.classifier import IntentModel
from tests.helpers import NOON_IN_SEOUL, api_token, dialling_config, seed_campaign, wait_until
from tierdial.bus import EventBus
from tierdial.db import make_engine, make_sessions
from tierdial.schema import upgrade

pytestmark = pytest.mark.realtime

HOT = "+821040000001"
# A hot first line, then, after a pause in which the agent takes over, a second line for the agent.
SCENARIO = {
    "numbers": {
        HOT: {
            "say": [{"wav": "heldout/ko_A_003.wav"}, {"wav": "heldout/ko_C_020.wav", "after": "pause", "pause": 6}],
            "hangup_after_seconds": 60,
        }
    }
}
FIRST_LINE = "바로 가입할 수 있게 도와주세요"  # ko_A_003
SECOND_LINE = "지금 운전하고 있어서요 나중에 걸어 주세요"  # ko_C_020


def _post(url: str, body: dict, token: str) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    request = urllib.request.Request(url, json.dumps(body).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _watch_and_take_over(
    base: str, token: str, seen: list[dict], replies: list[int], connected: threading.Event
) -> None:
    """What an agent does: follow the event stream, take over once a hot call's sentence is complete."""
    events = urllib.request.Request(f"{base}/api/v1/events", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(events, timeout=120) as stream:
        for raw in stream:
            line = raw.decode().strip()
            if line == ": connected":  # the stream's first line, sent once it follows the bus
                connected.set()
            if not line.startswith("data: "):
                continue
            event = json.loads(line[6:])
            seen.append(event)
            call = f"{base}/api/v1/calls/{event.get('call_id')}"
            if event["type"] == "TierDecided" and event["tier"] == "A" and event["is_final"] and not replies:
                replies.append(_post(f"{call}/takeover", {"agent": "agent1"}, token)[0])
            elif event["type"] == "FinalTranscript" and len(replies) == 1:
                replies.append(_post(f"{call}/hangup", {}, token)[0])  # the agent heard the callee and ends the call
            elif event["type"] == "CallEnded" and leg_of(event["call_id"]).kind is LegKind.callee:
                replies.append(
                    _post(
                        f"{call}/disposition", {"disposition": "sale", "notes": "two units", "agent": "agent1"}, token
                    )[0]
                )
                return


@pytest.mark.timeout(300)
@pytest.mark.parametrize("legs", ["same SIP worker", "different SIP workers"])
def test_agent_takes_over_a_hot_call(
    legs: str,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    start_service,
    asr_service,
    asr_engine: AsrEngine,
    intent_model: IntentModel,
) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(json.dumps(SCENARIO), encoding="utf-8")
    (_, callee_port), _ = start_service("sim", "callees", "--scenario", str(scenario), ready="callee simulator")
    (_, agent_port), stop_agent = start_service(
        "sim", "agent", "--record-dir", str(tmp_path / "agent"), ready="agent simulator"
    )
    apart = legs == "different SIP workers"
    config = dialling_config(callee_port, workers=2 if apart else 1)
    database = make_engine(f"sqlite:///{tmp_path / 'takeover.db'}")
    upgrade(database)
    sessions = make_sessions(database)
    campaign_id = seed_campaign(sessions, "takeover", [HOT])

    bus = EventBus()
    flow = CallFlow(config, sessions, intent_model, bus, clock=lambda: NOON_IN_SEOUL)
    server = serve_in_thread(create_app(config, LiveFeed(bus, flow), sessions), "127.0.0.1", 0)
    token = api_token(sessions, "events:read", "calls:write")
    base = f"http://127.0.0.1:{server.server_port}"
    if apart:  # the callee lands in the worker without the agent's leg: audio is relayed between them
        engine = Pjsua2Engine(config, flow.on_event, asr_service, keep_callees_with_agents=False)
    else:
        engine = make_telephony(config, flow.on_event, asr_service)
    flow.engine = engine
    engine.start()
    seen: list[dict] = []
    replies: list[int] = []
    caplog.set_level(logging.INFO, logger="dialer.telephony.pjsua2.engine")
    try:
        flow.connect_agent("agent1", f"sip:agent1@127.0.0.1:{agent_port}")
        wait_until(lambda: "agent1" in flow.desk.agent_legs, 15, "the agent's phone to answer")
        connected = threading.Event()
        watcher = threading.Thread(
            target=_watch_and_take_over, args=(base, token, seen, replies, connected), daemon=True
        )
        watcher.start()
        assert connected.wait(15), "the agent's event stream never opened"  # open before the first call
        CampaignRunner(config, sessions, flow, campaign_id, lines=1, clock=lambda: NOON_IN_SEOUL).run(max_seconds=120)
        watcher.join(timeout=10)
        assert _post(f"{base}/api/v1/calls/no-such-call/takeover", {"agent": "agent1"}, token)[0] == 404
        assert _post(f"{base}/api/v1/calls/x/takeover", {}, token)[0] == 400
    finally:
        engine.stop()
        server.shutdown()
    agent_log = [json.loads(line) for line in stop_agent().splitlines() if line.startswith("{")]

    assert replies == [202, 202, 200]  # taken over, ended by the agent, disposition saved
    assert ("across SIP workers" in caplog.text) is apart
    types = [e["type"] for e in seen]
    # In the order an agent's screen must show them: taken over by whom, then connected.
    assert "Takeover" in types and "Bridged" in types and types.index("Takeover") < types.index("Bridged")
    with sessions() as s:
        attempt = s.scalars(select(CallAttempt)).one()
        assert attempt.agent_name == "agent1" and attempt.final_tier in ("A", "C")
        assert (attempt.disposition, attempt.notes) == ("sale", "two units")
        assert s.get(Contact, attempt.contact_id).status == "closed"
        # The agent's time: talking from the takeover to the end, wrap-up until the disposition, ready since the
        # phone came up (what occupancy is measured against).
        assert attempt.answered_at <= attempt.connected_at <= attempt.ended_at and attempt.wrapped_at is not None
        first_state = s.scalars(select(AgentState).order_by(AgentState.id)).first()
        assert (first_state.agent, first_state.state) == ("agent1", "ready")
        spent = agent_time(s, attempt.started_at - dt.timedelta(minutes=5))["agent1"]
        assert spent.calls == 1 and spent.talk_seconds > 0 and spent.ready_seconds >= spent.talk_seconds
        said = [segment.text for segment in transcript_of(s, attempt.call_id)]
    # Transcription goes on after the takeover: the stored transcript has both lines. The recogniser
    # hears the same recording slightly differently call to call, so compare by character error
    # rate (unrelated Korean sentences score about 0.9 or more).
    assert len(said) >= 2, said
    assert character_error_rate(FIRST_LINE, said[0]) <= 0.5, said
    assert character_error_rate(SECOND_LINE, " ".join(said[1:])) <= 0.75, said
    # The agent heard the callee's second line through the bridge.
    recording = Path(agent_log[0]["recording"])
    heard = [f.text for f in asr_engine.transcribe(read_wav(recording))]
    assert heard and character_error_rate(SECOND_LINE, heard[-1]) <= 0.75, heard
