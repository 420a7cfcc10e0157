"""The live demo: a campaign of simulated callees dialled over real SIP on this machine.

Starts the ASR service and the callee simulator as their own processes, loads the
bundled demo campaign, dials it through the embedded engine and prints what happens
on each call as it happens.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import secrets
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from console.accounts import create_account
from console.app import create_app
from console.live import LiveFeed
from console.models import Role
from console.server import serve_in_thread
from dialer.call_flow import CallFlow
from dialer.campaigns import create_campaign
from dialer.lists.importer import ListTerms, import_list
from dialer.lists.rows import RowReader
from dialer.models import CallAttempt, CampaignStatus, DoNotCall
from dialer.runner import CampaignRunner
from dialer.sim.scenario import load_scenario
from dialer.telephony.legs import LegKind, leg_of
from dialer.telephony.registry import make_engine as make_telephony
from dialer.telephony.registry import pbx_for
from intent.tiers import MEANING
from intent.training import model_for
from tierdial.bus import EventBus
from tierdial.config import Config, parse_config
from tierdial.db import make_engine, make_sessions
from tierdial.errors import UserError
from tierdial.logs import mask_number
from tierdial.messages import Answered, CallEnded, FinalTranscript, TierDecided
from tierdial.processes import start_service
from tierdial.schema import upgrade

SCENARIO = Path(__file__).with_name("sim") / "demo.yaml"
DEMO_CALLER_NUMBER = "+82 2 3456 7890"
SEOUL = ZoneInfo("Asia/Seoul")
AGENT = "agent1"
SUPERVISOR = "supervisor"
DEMO_DATABASE = "demo.db"


def fresh_demo_database(config: Config) -> Config:
    """The configuration on a database of the demo's own, emptied at each run.

    The simulated contacts, their calls and their opt-outs never mix with the configured
    database, and the next run starts as the first did (its opt-outs were simulated ones).
    """
    path = config.data_dir / DEMO_DATABASE
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        leftover.unlink(missing_ok=True)
    data = config.model_dump(mode="json")
    data["database"]["url"] = f"sqlite:///{path}"
    return parse_config(data, "demo configuration")


def sim_trunk_config(config: Config, sim_port: int) -> Config:
    data = config.model_dump(mode="json")
    data["trunks"] = [{"name": "demo-sim", "uri": f"sip:127.0.0.1:{sim_port}"}]
    if not data["caller_numbers"]:
        data["caller_numbers"] = [
            {
                "number": DEMO_CALLER_NUMBER,
                "trunk": "demo-sim",
                "region": "KR",
                "owned": True,
                "display_name": config.organisation.name,
            }
        ]
    else:
        for number in data["caller_numbers"]:
            number["trunk"] = "demo-sim"
    return parse_config(data, "demo configuration")


def noon_in_seoul_clock() -> tuple[dt.datetime, Callable[[], dt.datetime]]:
    """Noon in Seoul, moving with real time: the simulated callees' calling window is open whenever the demo runs."""
    now = dt.datetime.now(dt.UTC)
    noon = now.astimezone(SEOUL).replace(hour=12, minute=0, second=0, microsecond=0)
    offset = noon - now
    return noon, lambda: dt.datetime.now(dt.UTC) + offset


def create_sim_campaign(sessions, name: str, list_name: str, phones: list[str], config: Config) -> int:  # type: ignore[no-untyped-def]
    """A running campaign of simulated contacts, loaded as any list is (source, basis, checks); returns its id."""
    with sessions.begin() as session:
        campaign_id = create_campaign(session, name, config.campaign_defaults, status=CampaignStatus.running).id
    rows = io.BytesIO(("phone\n" + "\n".join(phones) + "\n").encode())
    terms = ListTerms("tierdial simulated callees", "existing_customer", "KR", list_name, imported_by="demo")
    report = import_list(sessions, campaign_id, RowReader(rows, list_name, "csv"), terms)
    if report.rejected:
        raise UserError(f"simulated contacts rejected: {report.rejections[:3]}")
    return campaign_id


class _Feed:
    """Prints what happens on each call, one line an event, numbers masked."""

    def __init__(self, flow: CallFlow) -> None:
        self.flow = flow
        self.names: dict[str, str] = {}
        self.lock = threading.Lock()

    def __call__(self, message: object) -> None:
        call_id = getattr(message, "call_id", "")
        leg = leg_of(call_id)
        if leg.kind is not LegKind.callee:
            if isinstance(message, Answered | CallEnded):
                state = "connected" if isinstance(message, Answered) else "hung up"
                who = f"{AGENT}'s headset"
                if leg.kind is LegKind.listener:  # a supervisor's phone listening in
                    who = f"{leg.person}'s phone (listening in)"
                with self.lock:
                    print(f"  {who} {state}", flush=True)
            return
        if call_id not in self.names and call_id in self.flow.calls:
            self.names[call_id] = mask_number(self.flow.calls[call_id].phone)
        who = self.names.get(call_id, "?")
        line = None
        if isinstance(message, Answered):
            line = f"answered ({message.codec}); the bot plays the opening"
        elif isinstance(message, FinalTranscript):
            line = f"callee said: {message.text}"
        elif isinstance(message, TierDecided) and message.is_final:
            how = "opt-out rule" if message.by_rule else f"{message.confidence:.2f}"
            line = f"tier {message.tier} {MEANING[message.tier]} ({how}); evidence: {', '.join(message.evidence)}"
        elif isinstance(message, CallEnded):
            line = f"ended: {message.outcome} ({message.sip_status} {message.reason})"
        if line:
            with self.lock:
                print(f"  {who}  {line}", flush=True)


def demo_accounts(sessions: sessionmaker[Session]) -> dict[str, str]:
    """The demo's agent and supervisor, with passwords made for this run (its database is emptied each run)."""
    passwords = {AGENT: secrets.token_urlsafe(9), SUPERVISOR: secrets.token_urlsafe(9)}
    with sessions.begin() as session:
        create_account(session, AGENT, Role.agent, passwords[AGENT], "demo", "Agent One")
        create_account(session, SUPERVISOR, Role.supervisor, passwords[SUPERVISOR], "demo", "Sam Supervisor")
    return passwords


def _serve_console(demo: Config, feed: LiveFeed, sessions: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    app = create_app(demo, feed, sessions)
    try:
        return serve_in_thread(app, demo.console.host, demo.console.port)
    except OSError:  # the configured port is taken on this machine: any free one will do for a demo
        return serve_in_thread(app, demo.console.host, 0)


def connect_sim_agent(flow: CallFlow, agent_port: int) -> bool:
    """Ring agent1's simulated headset and wait for it to answer; False if it never does."""
    flow.connect_agent(AGENT, f"sip:{AGENT}@127.0.0.1:{agent_port}")
    deadline = time.monotonic() + 15
    while AGENT not in flow.agent_legs and time.monotonic() < deadline:
        time.sleep(0.1)
    return AGENT in flow.agent_legs


def _exit_on_terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def run_live_demo(config: Config, config_path: str | None, contacts: int, lines: int, start_delay: float) -> int:
    # Stopped from outside, the demo still stops the simulators and the ASR service it started (they outlived it).
    signal.signal(signal.SIGTERM, _exit_on_terminate)
    scenario = load_scenario(SCENARIO)
    phones = list(scenario.numbers)[:contacts]
    config = fresh_demo_database(config)
    database = make_engine(config.database_url)
    upgrade(database)
    sessions = make_sessions(database)
    passwords = demo_accounts(sessions)
    model = model_for(config)
    prefix = ["--config", config_path] if config_path else []
    asr = start_service([*prefix, "asr", "serve", "--port", "0"], "listening on")
    callees = start_service(["sim", "callees", "--scenario", str(SCENARIO)], "callee simulator listening on")
    agent_recordings = config.data_dir / "agent-recordings"
    headset = start_service(["sim", "agent", "--record-dir", str(agent_recordings)], "agent simulator listening on")
    pbx = contextlib.ExitStack()
    noon, clock = noon_in_seoul_clock()
    try:
        demo = pbx.enter_context(pbx_for(sim_trunk_config(config, callees.address[1])))
        campaign_id = create_sim_campaign(
            sessions, f"demo {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S}", "demo.yaml", phones, demo
        )
        bus = EventBus()
        flow = CallFlow(demo, sessions, model, bus, clock=clock)
        bus.subscribe(_Feed(flow))
        console = _serve_console(demo, LiveFeed(bus, flow), sessions)
        engine = make_telephony(demo, flow.on_event, asr.address)
        flow.engine = engine
        engine.start()
        try:
            agent_ready = connect_sim_agent(flow, headset.address[1])
            # The supervisor's phone for listening in: the same simulated headset answers it and records it too.
            flow.phones[SUPERVISOR] = f"sip:{SUPERVISOR}@127.0.0.1:{headset.address[1]}"
            print(f"console: http://{demo.console.host}:{console.server_port}/  (live calls, transcripts, tiers)")
            print(f"  log in as {AGENT} / {passwords[AGENT]} (agent) or {SUPERVISOR} / {passwords[SUPERVISOR]}"
                  " (supervisor: the dashboard); passwords made for this run")  # fmt: skip
            if agent_ready:
                print(f"  click 'Take over' on a hot call: the callee is bridged to {AGENT}'s simulated headset,")
                print(f"  which records what it hears in {agent_recordings}/; as {SUPERVISOR}, 'Listen' and 'Whisper'")
                print(f"  on a call ring {SUPERVISOR}'s simulated phone there too")
            print(
                f"demo campaign: {len(phones)} simulated callees, {lines} lines, caller number "
                f"{demo.caller_numbers[0].number}; calling as if it were {noon:%H:%M} in Seoul, inside the "
                f"08:00-21:00 window; dialling in {start_delay:.0f} s",
                flush=True,
            )
            time.sleep(start_delay)
            CampaignRunner(demo, sessions, flow, campaign_id, lines=lines, clock=clock, pacing="lines").run(
                max_seconds=1800
            )
        finally:
            engine.stop()
            console.shutdown()
    finally:
        pbx.close()
        for service in (headset, callees, asr):
            service.stop()
    _summary(sessions, campaign_id, demo.database_url)
    return 0


def _summary(sessions, campaign_id: int, url: str) -> None:  # type: ignore[no-untyped-def]
    with sessions() as session:
        attempts = list(session.scalars(select(CallAttempt).where(CallAttempt.campaign_id == campaign_id)))
        outcomes = Counter(str(a.outcome) for a in attempts)
        tiers = Counter(a.final_tier for a in attempts if a.final_tier)
        dnc = session.scalar(select(func.count()).select_from(DoNotCall))
    print(f"\n{len(attempts)} calls: " + ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())))
    print("tiers: " + ", ".join(f"{t} {MEANING[t]} x{n}" for t, n in sorted(tiers.items())))
    print(f"do-not-call entries: {dnc}; everything is stored in {url}")
