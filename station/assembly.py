"""A station: everything `config.yaml` describes, built in one place and run until it is stopped.

The ASR service (started here, or remote ones), the telephony engine, the call flow, a
runner per campaign this station paces, the console with its live feed, and the
periodic jobs (heartbeat, recovery of dead stations, agents' phones for the shift).
`tierdial serve`, the demo and the live benchmark are all this class; the demo and the
benchmark only add simulated callees and a headset.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from console.app import create_app
from console.live import LiveFeed
from dialer.agent_time import CONFIRM_EVERY, paused_agents
from dialer.call_flow import CallFlow
from dialer.held_records import HeldRecords, held_records_file
from dialer.interrupted import recover_station
from dialer.models import Campaign
from dialer.telephony.registry import make_engine as make_telephony
from intent.classifier import IntentModel
from intent.training import model_for
from station import members
from station.asr_services import AsrServices
from station.control import ClusterControl, carry_out
from station.pacer import CampaignPacer
from station.relay import Relay
from station.web import ConsoleServer
from tierdial.bus import EventBus
from tierdial.config import Config
from tierdial.db import on_postgresql
from tierdial.held_writes import unreachable
from tierdial.periodic import Every
from tierdial.schema import migrated_database

log = logging.getLogger(__name__)
TICK_SECONDS = 0.2
# How often the dial loop asks whether a recogniser answers: a call placed while none does would go unheard, and an
# opt-out said on it would be lost.
ASR_CHECK_SECONDS = 1.0
# A recogniser busy decoding many calls can be slow to answer one status request: dialling is held only after this
# many checks in a row go unanswered (a restart takes several seconds), so a busy node does not stutter.
ASR_SILENT_CHECKS = 2
AGENT_RING_EVERY_SECONDS = 30.0


class Station:
    def __init__(
        self,
        config: Config,
        config_path: str | None = None,
        *,
        sessions: sessionmaker[Session] | None = None,
        model: IntentModel | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        console: bool = True,
        console_port: int | None = None,
    ) -> None:
        self.config, self.clock = config, clock
        self.name = members.node_name(config)
        self.instance = uuid.uuid4().hex
        self.sessions = sessions or migrated_database(config.database_url)
        self.model = model or model_for(config)
        self.bus = EventBus()
        self.held_records = HeldRecords(held_records_file(config.data_dir, self.name))
        self.flow = CallFlow(config, self.sessions, self.model, self.bus, clock=clock, station_id=self.instance,
                             held_records=self.held_records)  # fmt: skip
        self.asr = AsrServices(config, config_path, recognizers=config.station.lines)
        self.pacer = CampaignPacer(config, self.sessions, self.flow, clock, config.station.lines)
        self.relay: Relay | None = None
        console_bus, control = self.bus, self.flow
        if on_postgresql(self.sessions):  # several nodes may share it: consoles see every node's calls
            console_bus = EventBus()
            self.relay = Relay(self._engine(), self.instance, console_bus, lambda op, a: carry_out(self.flow, op, a))
            self.bus.subscribe(console_bus.publish)
            self.bus.subscribe(self.relay.share)
            control = ClusterControl(self.sessions, self.relay, self.flow)
        self.feed = LiveFeed(console_bus, control)
        self.console: ConsoleServer | None = None
        if console:
            app = create_app(config, self.feed, self.sessions, readiness=self.readiness, station_bus=self.bus)
            self.console = ConsoleServer(app, config.console, console_port)
        self.draining = threading.Event()
        self._stop = threading.Event()
        self._loop = threading.Thread(target=self._run, name="station", daemon=True)
        self._beat, self._recover = Every(members.HEARTBEAT_SECONDS), Every(members.HEARTBEAT_SECONDS)
        self._look, self._ring_agents = Every(3.0), Every(AGENT_RING_EVERY_SECONDS)
        self._confirm = Every(CONFIRM_EVERY.total_seconds())
        self._ask_asr, self._asr_answers, self._asr_silent_checks = Every(ASR_CHECK_SECONDS), True, 0
        self._started = False
        self._database_back_at = -math.inf  # when the database last answered again after being away

    def _engine(self) -> Engine:
        return self.sessions.kw["bind"]

    @property
    def console_url(self) -> str | None:
        return self.console.url if self.console else None

    # life ----------------------------------------------------------------------------------------
    def start(self) -> Station:
        with self.sessions.begin() as session:
            members.register(session, self.instance, self.name, self.console_url)
        self._started = True
        self.held_records.replay(self.sessions)  # what a run killed while the database was away kept on disk
        self._recover_dead()  # this node's previous run, if it died, before anything is dialled
        self._restore_pauses()
        if self.relay is not None:
            self.relay.start()
        engine = make_telephony(self.config, self.flow.on_event, self.asr.start())
        self.flow.engine = engine
        engine.start()
        if self.console:
            self.console.start()
        self._loop.start()
        log.info("station %s started (engine %s, %d lines)", self.name, self.config.engine, self.config.station.lines)
        return self

    def drain(self, limit: float | None = None) -> int:
        """No new dials; wait up to `limit` seconds (station.drain_seconds) for calls in progress to end, then
        hang up what is left. Returns how many calls had to be hung up."""
        self.draining.set()
        limit = self.config.station.drain_seconds if limit is None else limit
        log.info("draining: no new dials; %d calls in progress get %.0f s to end", len(self.flow.calls), limit)
        deadline = time.monotonic() + limit
        while self.flow.calls and time.monotonic() < deadline:
            time.sleep(0.2)
        left = list(self.flow.calls)
        for call_id in left:
            with contextlib.suppress(Exception):  # it may end by itself meanwhile
                self.flow.hang_up(call_id)
        deadline = time.monotonic() + 10
        while self.flow.calls and time.monotonic() < deadline:
            time.sleep(0.1)
        return len(left)

    def stop(self) -> None:
        self._stop.set()
        if self._loop.is_alive():
            self._loop.join(timeout=10)
        try:
            self.pacer.let_go_all()
        except Exception as exc:
            if not unreachable(exc):
                raise
            log.warning("campaign leases not let go (the database does not answer): they expire by themselves")
        if self.flow.engine is not None:
            self.flow.engine.stop()
        if self.console:
            self.console.shutdown()
        if self.relay is not None:
            self.relay.stop()
        self.asr.stop()
        if not self.flow.records.answers() and self.flow.records.held:
            log.error("stopping with %d records of calls not written: the database does not answer",
                      self.flow.records.held)  # fmt: skip
            if self.held_records.path.exists():
                log.error("they are kept in %s (opt-outs, transcripts, tiers, calls' ends, wrap-ups) and written when "
                          "this station starts again", self.held_records.path)  # fmt: skip
        if self._started and not self.flow.records.away:
            with self.sessions.begin() as session:
                members.stopped(session, self.instance)
        log.info("station %s stopped", self.name)

    def __enter__(self) -> Station:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def wait_campaign_done(self, campaign_id: int, timeout: float) -> bool:
        """Wait until the campaign has nobody left to call now, or is no longer running (paused, stopped), and no
        call of it is in progress (the demo, the benchmarks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.sessions() as session:
                running = session.scalar(select(Campaign.status).where(Campaign.id == campaign_id)) == "running"
            calls = any(call.campaign_id == campaign_id for call in list(self.flow.calls.values()))
            if not calls and (campaign_id in self.pacer.finished or not running):
                return True
            time.sleep(0.2)
        return False

    # what a load balancer asks ---------------------------------------------------------------------
    def readiness(self) -> dict[str, bool]:
        engine = self.flow.engine
        return {
            "engine": engine is not None and engine.healthy(),
            "asr": self.asr.answering(),
            "accepting_calls": not self.draining.is_set(),
        }

    # the loop --------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._step()
            except Exception as exc:  # keep the calls, try again
                if unreachable(exc):  # said once; no call is placed until the database answers (`_step`)
                    self.flow.records.went_away(exc)
                else:
                    log.exception("station step failed")
                    self._stop.wait(1.0)
            self._stop.wait(TICK_SECONDS)

    def _step(self) -> None:
        self.flow.watchdog()  # silent callees, hot leads nobody took: whether or not any campaign is paced here
        away = self.flow.records.away
        if not self.flow.records.answers():
            return  # the database away, or what calls recorded meanwhile not yet written: nothing else to do
        if away:
            self._database_back_at = time.monotonic()
        if self._beat.due() or away:
            with self.sessions.begin() as session:
                members.beat(session, self.instance, self.draining.is_set(), self.console_url)
        # Every station fell silent while the database was away, not only dead ones: the live ones get the time a
        # dead one is given to beat again before any is recovered (its calls closed, its campaigns taken).
        if self._recover.due() and time.monotonic() - self._database_back_at > members.DEAD_AFTER_SECONDS:
            self._recover_dead()
        if self._confirm.due():
            self.flow.confirm_agent_states()
        if self.draining.is_set():
            return
        if self._ring_agents.due():
            self._ring_shift_phones()
        if self._look.due():
            self.pacer.look()
        if self._hearing():
            self.pacer.tick()

    def _hearing(self) -> bool:
        """Whether a recogniser answers; while none does, no call is placed (calls in progress go on, as not heard)."""
        if self._ask_asr.due():
            self._asr_silent_checks = 0 if self.asr.answering() else self._asr_silent_checks + 1
            answers = self._asr_silent_checks < ASR_SILENT_CHECKS
            if answers != self._asr_answers:
                if answers:
                    log.warning("a recogniser answers again: dialling resumes")
                else:
                    log.error("no recogniser answers: no call is placed until one does")
            self._asr_answers = answers
        return self._asr_answers

    def _recover_dead(self) -> None:
        with self.sessions() as session:
            dead = [(r.instance, r.name) for r in members.to_recover(session, self.instance, self.name)]
        for instance, name in dead:
            why = f"station {name} stopped answering"
            recover_station(self.sessions, instance, why, self.config.campaign_defaults.retry_hours, self.clock())
            with self.sessions.begin() as session:
                members.mark_recovered(session, instance)

    def _restore_pauses(self) -> None:
        """Agents who paused before this station last stopped (or died) are still paused: the restart rings their
        phones for the shift, and without this they would be offered calls during their break."""
        with self.sessions() as session:
            paused = paused_agents(session, [agent.name for agent in self.config.agents])
        for agent, reason in paused.items():
            self.flow.set_agent_state(agent, ready=False, reason=reason)

    def _ring_shift_phones(self) -> None:
        """Agents' phones are called once for the shift and kept up; one that dropped is called again."""
        for agent in self.config.agents:
            uri = agent.phone or (agent.name if agent.sip_secret else None)
            if not agent.shift or uri is None:
                continue
            if self.flow.agent_status(agent.name).phone == "not connected":
                log.info("ringing %s's phone for the shift", agent.name)
                self.flow.connect_agent(agent.name, uri)
