"""`tierdial bench cluster --nodes N`: N stations and a console node on one PostgreSQL database, one killed mid-run.

Each station has a callee simulator as its trunk and a simulated headset as its agent's
phone; there is a campaign per station, so each paces one. On a console-only node the
benchmark watches the live event stream and, as an agent would, takes over a hot call
held by each station. Then it kills the first station with SIGKILL and measures:

- campaign_failover_s: from the kill to another station holding the lease of the campaign the
  dead one was pacing (its lease expired); first_call_after_failover_s: to that station's first
  call for it (it waits for one of its lines to come free);
- takeover_failover_s: from the kill to a takeover, clicked on the console node, bridging
  a call of that campaign on its new station;

and then, from the database: contacts dialled twice (double_dials), opt-outs heard (a
final tier E) without their do-not-call entry (lost_optouts), final transcripts the
console showed that are not stored (lost_transcripts), and the calls each node placed;
processes_left_by_killed_node counts the dead station's ASR service and SIP workers still
running after its campaign moved (they must end with it, not hold ports and calls);
live_nodes_calls_closed_as_interrupted, calls of a station still alive closed as if it had died.

With `--restart-database`, before the kill, PostgreSQL is stopped with calls up on every station and started again
`DATABASE_DOWN_SECONDS` later: every station falls silent together, and none may take another for dead once it is
back. calls_up_at_restart and, per station, dialling_again_after_restart_s (from the restart to its next call).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from asr.models import TranscriptSegment
from console.tokens import create_token
from dialer.models import CallAttempt, CallOutcome, Contact, DoNotCall
from dialer.sim.setup import create_sim_campaign, phones_inside_calling_window
from intent.models import TierDecision
from intent.training import model_for
from station.leases import LEASE_SECONDS
from station.models import CampaignLease, StationRecord
from station.postgres_sandbox import PostgresServer
from station.sim_nodes import scenario_file, station_config
from tierdial.config import Config
from tierdial.errors import UserError
from tierdial.polling import poll_until
from tierdial.processes import Service, child_processes, running, start_service
from tierdial.schema import migrated_database

HOT = [{"wav": "heldout/ko_A_003.wav"}, {"wav": "heldout/ko_C_020.wav", "after": "pause", "pause": 1.5}]
OPT_OUT = [{"wav": "heldout/ko_E_040.wav"}]
CONTACTS_PER_CAMPAIGN = 10
LINES = 3
MAX_NODES = 4
DATABASE_DOWN_SECONDS = 10.0  # --restart-database: as long as an administrator's restart, or a short failover
RESTART_CONTACTS = 6  # --restart-database: more contacts per campaign, so that every station has some left after it


@dataclass
class _Stream:
    """What the console node's live event stream showed, with arrival times."""

    events: list[tuple[float, dict]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def matching(self, predicate) -> list[tuple[float, dict]]:  # type: ignore[no-untyped-def]
        with self.lock:
            return [(at, e) for at, e in self.events if predicate(e)]


def _read_events(url: str, token: str, stream: _Stream, stop: threading.Event) -> None:
    request = urllib.request.Request(f"{url}/api/v1/events", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=300) as reply:
        while not stop.is_set():
            line = reply.readline()
            if not line:
                return
            if line.startswith(b"data: "):
                with stream.lock:
                    stream.events.append((time.monotonic(), json.loads(line[6:])))


def _post(url: str, token: str, body: dict) -> int:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait(probe, timeout: float, what: str):  # type: ignore[no-untyped-def]
    return poll_until(probe, timeout, f"{what} (bench cluster)", every=0.2)


class _Cluster:
    def __init__(self, config: Config, nodes: int, workdir: Path, url: str) -> None:
        self.config, self.nodes, self.workdir, self.url = config, nodes, workdir, url
        self.sessions: sessionmaker[Session] = migrated_database(url)
        self.services: list[Service] = []
        self.stations: list[Service] = []
        self.configs: list[Path] = []

    def start(self, phones: list[list[str]]) -> None:
        model = {"model_path": str(self.config.intent_model_path.resolve())}
        callees = {p: {"say": HOT, "hangup_after_seconds": 20} for campaign in phones for p in campaign[1:]}
        callees.update({campaign[0]: {"say": OPT_OUT} for campaign in phones})
        for k in range(self.nodes):
            # Every callee behind every node's trunk: whichever station paces a campaign reaches its callees.
            sim = self._start(["sim", "callees", "--scenario", str(scenario_file(self.workdir, callees, f"sim{k}"))])
            headset = self._start(["sim", "agent"])
            node = {"database_url": self.url, "name": f"node-{k}", "agent": f"agent{k}", "lines": LINES}
            self.configs.append(
                station_config(
                    self.workdir,
                    sim.address[1],
                    headset_port=headset.address[1],
                    intent=model,
                    campaign_defaults={"pacing": "lines"},
                    **node,
                )
            )
        for path in self.configs:
            self.stations.append(self._start(["--config", str(path), "serve"]))
        console = station_config(self.workdir, 9, database_url=self.url, name="console", intent=model)
        self.console = self._start(["--config", str(console), "console", "serve"])

    def _start(self, command: list[str]) -> Service:
        service = start_service(command, "listening on")
        self.services.append(service)
        return service

    @property
    def console_url(self) -> str:
        return f"http://{self.console.address[0]}:{self.console.address[1]}"

    def node_of(self, call_id: str) -> str | None:
        with self.sessions() as session:
            return session.scalar(
                select(StationRecord.name)
                .join(CallAttempt, CallAttempt.station == StationRecord.instance)
                .where(CallAttempt.call_id == call_id)
            )

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop(timeout=90)


def _take_over_on(cluster: _Cluster, stream: _Stream, token: str, node: str, agent: str, since: float) -> float:
    """Wait for a hot call held by `node` and not yet taken, click Take over for `agent` on the console node, and wait
    for the bridge to show in the live stream; returns when it showed (monotonic)."""
    tried: set[str] = set()

    def hot_call() -> str | None:
        for _, event in stream.matching(lambda e: e["type"] == "TierDecided" and e["tier"] == "A" and e["is_final"]):
            call_id = event["call_id"]
            if call_id not in tried and cluster.node_of(call_id) == node and _after(stream, call_id, since):
                return call_id
        return None

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        call_id = _wait(hot_call, max(1.0, deadline - time.monotonic()), f"a hot call on {node}")
        tried.add(call_id)
        url = f"{cluster.console_url}/api/v1/calls/{call_id}/takeover"
        if _post(url, token, {"agent": agent}) != 202:
            continue  # it ended under the click: the next hot call
        try:
            return _wait(lambda c=call_id: stream.matching(_bridged(c)), 15, "the bridge")[0][0]
        except UserError:
            continue
    raise UserError(f"bench cluster: no takeover on {node} bridged within 120 s")


def _bridged(call_id: str):  # type: ignore[no-untyped-def]
    return lambda e: e["type"] == "Bridged" and e["call_id"] == call_id


def _after(stream: _Stream, call_id: str, since: float) -> bool:
    started = stream.matching(lambda e: e["type"] == "CallStarted" and e["call_id"] == call_id)
    return bool(started) and started[0][0] >= since


def _restart_database(cluster: _Cluster, postgres: PostgresServer, stream: _Stream) -> dict:
    """Stop the database with calls up on every station, start it again `DATABASE_DOWN_SECONDS` later, and wait for
    every station to place a call again."""
    with cluster.sessions() as session:
        up = session.scalar(select(func.count()).where(CallAttempt.outcome == CallOutcome.in_progress))
    postgres.halt()
    threading.Event().wait(DATABASE_DOWN_SECONDS)  # the fault itself: the database away for this long
    postgres.resume()
    back = time.monotonic()
    redial = []
    for k in range(cluster.nodes):
        started = _wait(
            lambda k=k: [at for at, e in stream.matching(lambda e: e["type"] == "CallStarted")
                         if at >= back and cluster.node_of(e["call_id"]) == f"node-{k}"],
            120, f"node-{k} to dial again after the database's restart",
        )  # fmt: skip
        redial.append(round(started[0] - back, 1))
    return {"calls_up_at_restart": up, "dialling_again_after_restart_s": redial}


def run_bench_cluster(config: Config, nodes: int, restart_database: bool = False) -> dict:
    """`restart_database`: before one is killed, the database is stopped and started again with calls up on every
    station."""
    if not 2 <= nodes <= MAX_NODES:
        raise UserError(f"--nodes must be 2-{MAX_NODES} (each node runs on this machine)")
    model_for(config)  # trained once here if it is not yet, rather than by every node at once
    workdir = Path(tempfile.mkdtemp(prefix="tierdial-cluster-"))
    postgres = PostgresServer()
    postgres.start()
    stop_reading = threading.Event()
    try:
        url = postgres.new_database("cluster")
        cluster = _Cluster(config, nodes, workdir, url)
        contacts = CONTACTS_PER_CAMPAIGN + (RESTART_CONTACTS if restart_database else 0)
        phones = [phones_inside_calling_window(contacts, first=1 + 100 * k) for k in range(nodes)]
        try:
            cluster.start(phones)
            with cluster.sessions.begin() as session:
                token = create_token(session, "bench cluster", ["calls:write", "events:read"], "bench")
            stream = _Stream()
            reader = threading.Thread(
                target=_read_events, args=(cluster.console_url, token, stream, stop_reading), daemon=True
            )
            reader.start()
            started = time.monotonic()
            campaigns = [
                create_sim_campaign(cluster.sessions, f"bench {k}", f"list {k}", phones[k], config, pacing="lines")
                for k in range(nodes)
            ]
            progress = tqdm(total=nodes + 2 + restart_database, desc="cluster", unit="step", file=sys.stderr)
            for k in range(nodes):
                _take_over_on(cluster, stream, token, f"node-{k}", f"agent{k}", started)
                progress.update(1)
            restarted = _restart_database(cluster, postgres, stream) if restart_database else {}
            progress.update(restart_database)
            dead_campaign = _leased_by(cluster.sessions, "node-0")
            orphans = child_processes(cluster.stations[0].pid)
            killed = time.monotonic()
            os.kill(cluster.stations[0].pid, signal.SIGKILL)
            _wait(lambda: _held_by_other(cluster.sessions, dead_campaign), LEASE_SECONDS + 30, "its campaign's lease")
            campaign_failover = time.monotonic() - killed
            new_calls = _wait(
                lambda: _calls_by_others(stream, cluster, dead_campaign, killed),
                LEASE_SECONDS + 60,
                "another station to call for the dead station's campaign",
            )
            first_call = new_calls[0][0] - killed
            # By now (15 s or more after the kill) the dead station's ASR service and SIP workers have ended too.
            processes_left = sum(running(pid) for pid in orphans)
            progress.update(1)
            new_node = cluster.node_of(new_calls[0][1]["call_id"]) or ""
            agent = f"agent{new_node.removeprefix('node-')}"
            takeover_failover = _take_over_on(cluster, stream, token, new_node, agent, killed) - killed
            progress.update(1)
            progress.close()
            _wait(lambda: _all_done(cluster.sessions, campaigns), 300, "every contact to be called")
        except UserError:
            for k, node in enumerate(cluster.stations):  # what the nodes said, for whoever reads the failure
                print(f"--- node-{k} (last lines of its log)\n{node.errors()[-2000:]}", file=sys.stderr)
            raise
        finally:
            stop_reading.set()
            cluster.stop()
        figures = _audit(cluster.sessions, stream, nodes, sum(len(p) for p in phones))
    finally:
        postgres.stop()
    figures["campaign_failover_s"] = round(campaign_failover, 1)
    figures["first_call_after_failover_s"] = round(first_call, 1)
    figures["takeover_failover_s"] = round(takeover_failover, 1)
    figures["processes_left_by_killed_node"] = processes_left
    return {**figures, **restarted}


def _held_by_other(sessions: sessionmaker[Session], campaign_id: int) -> bool:
    """The campaign's lease is held by a live station other than the dead node-0."""
    with sessions() as session:
        holder = session.scalar(
            select(StationRecord.name)
            .join(CampaignLease, CampaignLease.instance == StationRecord.instance)
            .where(CampaignLease.campaign_id == campaign_id)
        )
    return holder is not None and holder != "node-0"


def _leased_by(sessions: sessionmaker[Session], node: str) -> int:
    with sessions() as session:
        return session.scalar(
            select(CampaignLease.campaign_id)
            .join(StationRecord, StationRecord.instance == CampaignLease.instance)
            .where(StationRecord.name == node, StationRecord.stopped_at.is_(None))
            .order_by(StationRecord.started_at.desc())
        )


def _calls_by_others(stream: _Stream, cluster: _Cluster, campaign_id: int, since: float) -> list:
    """Calls started since `since` (the kill) for the campaign: only another station can have placed them."""
    started = [(at, event) for at, event in stream.matching(lambda e: e["type"] == "CallStarted") if at >= since]
    if not started:
        return []
    with cluster.sessions() as session:
        ours = set(
            session.scalars(
                select(CallAttempt.call_id).where(
                    CallAttempt.campaign_id == campaign_id, CallAttempt.call_id.in_([e["call_id"] for _, e in started])
                )
            )
        )
    return [(at, event) for at, event in started if event["call_id"] in ours]


def _all_done(sessions: sessionmaker[Session], campaigns: list[int]) -> bool:
    with sessions() as session:
        waiting = session.scalar(select(func.count()).where(Contact.campaign_id.in_(campaigns), Contact.attempts == 0))
        open_calls = session.scalar(select(func.count()).where(CallAttempt.outcome == CallOutcome.in_progress))
    return not waiting and not open_calls


def _audit(sessions: sessionmaker[Session], stream: _Stream, nodes: int, contacts: int) -> dict:
    with sessions() as session:
        per_contact = Counter(session.scalars(select(CallAttempt.contact_id)))
        heard_opt_outs = set(
            session.scalars(select(TierDecision.call_id).where(TierDecision.tier == "E", TierDecision.is_final))
        )
        listed = set(session.scalars(select(DoNotCall.phone_e164)))
        opted_phones = set(
            session.scalars(
                select(Contact.phone_e164)
                .join(CallAttempt, CallAttempt.contact_id == Contact.id)
                .where(CallAttempt.call_id.in_(heard_opt_outs))
            )
        )
        stored = set(session.execute(select(TranscriptSegment.call_id, TranscriptSegment.text)))
        # A live station's calls closed as if it had died (only node-0 is killed): one that fell silent with the others
        # while the database was away must not be taken for dead by them once it is back.
        wrongly_closed = session.scalar(
            select(func.count())
            .select_from(CallAttempt)
            .join(StationRecord, CallAttempt.station == StationRecord.instance)
            .where(CallAttempt.outcome == CallOutcome.interrupted, StationRecord.name != "node-0")
        )
        by_node = dict(
            session.execute(
                select(StationRecord.name, func.count())
                .join(CallAttempt, CallAttempt.station == StationRecord.instance)
                .group_by(StationRecord.name)
            ).all()
        )
    shown = {(e["call_id"], e["text"]) for _, e in stream.matching(lambda e: e["type"] == "FinalTranscript")}
    return {
        "nodes": nodes,
        "contacts": contacts,
        "dials": sum(per_contact.values()),
        "double_dials": sum(1 for n in per_contact.values() if n > 1),
        "lost_optouts": len(opted_phones - listed),
        "lost_transcripts": len(shown - stored),
        "transcripts_shown": len(shown),
        "calls_per_node": [by_node.get(f"node-{k}", 0) for k in range(nodes)],
        "live_nodes_calls_closed_as_interrupted": wrongly_closed,
    }
