"""The live demo: a campaign of simulated callees dialled over real SIP on this machine.

The same station `tierdial serve` runs, on a database of the demo's own, with simulated
callees as its trunk and a simulated headset as agent1's phone; it prints what happens
on each call as it happens.
"""

from __future__ import annotations

import datetime as dt
import secrets
import signal
import threading
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import dialer.sim
from console.accounts import create_account
from console.models import Role
from dialer.call_flow import CallFlow
from dialer.models import CallAttempt, CampaignStatus, DoNotCall
from dialer.sim.scenario import load_scenario
from dialer.sim.setup import AGENT, create_sim_campaign, noon_in_seoul_clock, start_campaign, wait_for_agent
from dialer.sim.spoken import render_scenario
from dialer.telephony.legs import LegKind, leg_of
from dialer.telephony.registry import pbx_for
from intent.tiers import MEANING
from station.assembly import Station
from tierdial.config import Config, parse_config
from tierdial.logs import mask_number
from tierdial.messages import Answered, CallEnded, FinalTranscript, TierDecided
from tierdial.processes import start_service
from tierdial.schema import migrated_database

SCENARIO = Path(dialer.sim.__file__).with_name("demo.yaml")
# Callees in a language with no recordings here: their lines as text, said when the demo starts (English by
# espeak-ng; Mandarin by the bot's own prompt voice from pinyin, since espeak-ng's is not understood even by Whisper).
SPOKEN_SCENARIOS = {language: Path(dialer.sim.__file__).with_name(f"demo_{language}.yaml") for language in ("en", "zh")}
DEMO_LANGUAGES = ("ko", *SPOKEN_SCENARIOS)
DEMO_CALLER_NUMBER = "+82 2 3456 7890"
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


def sim_trunk_config(config: Config, sim_port: int, headset_port: int, lines: int) -> Config:
    """The demo's trunk is the callee simulator; agent1's phone, and the supervisor's for listening in, the
    simulated headset."""
    data = config.model_dump(mode="json")
    headset = f"127.0.0.1:{headset_port}"
    data["agents"] = [
        {"name": AGENT, "display_name": "Agent One", "phone": f"sip:{AGENT}@{headset}"},
        {"name": SUPERVISOR, "display_name": "Sam Supervisor", "phone": f"sip:{SUPERVISOR}@{headset}", "shift": False},
    ]
    data["station"]["lines"] = lines
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


def _station(demo: Config, config_path: str | None, sessions: sessionmaker[Session], clock) -> Station:  # type: ignore[no-untyped-def]
    try:
        return Station(demo, config_path, sessions=sessions, clock=clock)
    except OSError:  # the configured console port is taken on this machine: any free one will do for a demo
        return Station(demo, config_path, sessions=sessions, clock=clock, console_port=0)


def _exit_on_terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def run_live_demo(
    config: Config,
    config_path: str | None,
    contacts: int,
    lines: int,
    start_delay: float,
    codec: str | None = None,
    language: str = "ko",
) -> int:
    """`codec`: the one codec the simulated carrier offers (pcmu: a narrowband trunk); None: G.722 first.
    `language`: what the campaign and its callees speak (one of `DEMO_LANGUAGES`)."""
    # Stopped from outside, the demo still stops the simulators and the ASR service it started (they outlived it).
    signal.signal(signal.SIGTERM, _exit_on_terminate)
    config = fresh_demo_database(config)
    scenario_file = SCENARIO
    if language in SPOKEN_SCENARIOS:
        print(f"saying the {language} callees' lines...", flush=True)
        scenario_file = render_scenario(SPOKEN_SCENARIOS[language], config.data_dir / "demo-speech" / language)
    if language not in (config.asr.language, *config.asr.languages):  # the station's recogniser must hear them
        asr = config.asr.model_copy(update={"languages": [*config.asr.languages, language]})
        config = config.model_copy(update={"asr": asr})
    phones = list(load_scenario(scenario_file).numbers)[:contacts]
    sim_command = ["sim", "callees", "--scenario", str(scenario_file), *(["--codec", codec] if codec else [])]
    callees = start_service(sim_command, "callee simulator listening on")
    agent_recordings = config.data_dir / "agent-recordings"
    headset = start_service(["sim", "agent", "--record-dir", str(agent_recordings)], "agent simulator listening on")
    noon, clock = noon_in_seoul_clock()
    try:
        with pbx_for(sim_trunk_config(config, callees.address[1], headset.address[1], lines)) as demo:
            sessions = migrated_database(demo.database_url)
            passwords = demo_accounts(sessions)
            name = f"demo {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S}"  # shown on the dashboard from the start
            campaign_id = create_sim_campaign(
                sessions, name, scenario_file.name, phones, demo, status=CampaignStatus.draft, pacing="lines",
                language=language,
            )  # fmt: skip
            station = _station(demo, config_path, sessions, clock)
            station.bus.subscribe(_Feed(station.flow))
            with station:
                agent_ready = wait_for_agent(station.flow)
                print(f"console: {station.console_url}/  (live calls, transcripts, tiers)")
                print(f"  log in as {AGENT} / {passwords[AGENT]} (agent) or {SUPERVISOR} / {passwords[SUPERVISOR]}"
                      " (supervisor: the dashboard); passwords made for this run")  # fmt: skip
                if agent_ready:
                    print(f"  click 'Take over' on a hot call: the callee is bridged to {AGENT}'s simulated headset,")
                    print(f"  which records what it hears in {agent_recordings}/; as {SUPERVISOR}, 'Listen' and")
                    print(f"  'Whisper' on a call ring {SUPERVISOR}'s simulated phone there too")
                print(
                    f"demo campaign: {len(phones)} simulated callees, {lines} lines, caller number "
                    f"{demo.caller_numbers[0].number}; calling as if it were {noon:%H:%M} in Seoul, inside the "
                    f"08:00-21:00 window; dialling in {start_delay:.0f} s",
                    flush=True,
                )
                time.sleep(start_delay)
                start_campaign(sessions, campaign_id)  # the station takes it up at its next look
                station.wait_campaign_done(campaign_id, timeout=1800)
    finally:
        for service in (headset, callees):
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
