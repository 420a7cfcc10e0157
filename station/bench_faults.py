"""`tierdial bench faults`: one fault injected into a short campaign on the embedded engine (or, with `--engine
asterisk`, on a sandbox Asterisk), then an audit.

Each run is the live benchmark's station (`station.bench_live`: the same configuration, callee
simulators and headset) with a SQLite database in a folder of its own, dialling a dozen simulated
callees on three lines. About one in three callees says an opt-out; the others say they are busy and
to call later, then go on talking. The run injects its one fault (the ASR service: once a callee's
speech is being transcribed; a SIP worker: once two calls are up), lets the campaign finish, and
reads the database, the callees' own log and the station's log. Figures, per fault:

- calls: the call attempts of the campaign;
- lost_optouts: callees whose scenario is an opt-out, who said it to its end on a call (their
  simulator's log: the line's speech ended before the call did), and whose number is not on the
  do-not-call list at the end. An opt-out said on a call the product did not hear counts too: it is
  what a regulator would count (the notes say how many of the lost were not heard);
- lost_transcripts: answered calls on which the callee said at least one line to its end, that the
  product heard (the attempt has a final tier), and of which no callee transcript is stored. A call
  with no final tier is the product's "not heard": the recogniser died under it, or the call did,
  and it decided nothing from silence; those calls are counted in the notes, not as lost;
- lost_outcomes: attempts still `in_progress` once the campaign has ended and no call is up;
- double_dials: contacts with two attempts whose times overlap (dialled twice at once);
- recovered_s: from the fault to the first final transcript of a call answered after it (the next
  call answered and transcribed); null when no call was answered after the fault;
- notes: what was killed, what the station's log said of it, the calls not heard, and those heard only
  after they ended (the recogniser caught up on held audio once the callee had hung up).

Faults: asr_killed (the station's local ASR service, SIGKILL, while a callee speaks; the station
starts it again on the same port), sip_worker_killed (a SIP worker, SIGKILL, with calls up; the
engine starts another), packet_loss (the callees' network loses `LOST_PERCENT` of the RTP packets
each way, the whole run: the callee simulators' media drops them; measured from the first answer),
postgres_restarted (the run's database on a sandbox PostgreSQL server of its own,
`station.postgres_sandbox`, stopped as an administrator's restart does while a callee says an opt-out,
kept down `DATABASE_DOWN_SECONDS`, started again on the same port and data), disk_full (the data folder and
its SQLite database on a filesystem of the run's own, `station.fault_disk`, filled to its last byte while a callee
says an opt-out and freed `DATABASE_DOWN_SECONDS` later; needs root to mount); clock_step_forward and
clock_step_back (the station's clock stepped across an edge of the calling window:
`station.fault_clock`, which adds dialled_outside_window to every fault's figures);
console_killed_upload and console_killed_takeover (a console-only node killed mid-upload and
mid-click: `station.fault_console`, with figures of their own). The notes also count the contacts
never dialled (those the closed window kept waiting, for a clock fault).
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import select
from tqdm import tqdm

from asr.models import TranscriptSegment
from dialer.models import CallAttempt, CallOutcome, Contact, DoNotCall
from dialer.sim.setup import create_sim_campaign, wait_for_agent
from dialer.telephony.legs import LegKind, leg_of
from dialer.telephony.pjsua2.endpoint import call_limit
from dialer.telephony.pjsua2.engine import Pjsua2Engine
from dialer.telephony.registry import ENGINES, pbx_for
from station.assembly import Station
from station.bench_live import bench_config, is_json, phones_taking_turns
from station.fault_clock import SteppedClock, dialled_outside_window, station_clock, step_back, step_forward
from station.fault_console import takeover_killed, upload_killed
from station.fault_disk import FullDisk
from station.postgres_sandbox import PostgresServer
from tierdial.config import Config, parse_config
from tierdial.errors import UserError
from tierdial.messages import Answered, AudioGaps, CallEnded, FinalTranscript, PartialTranscript
from tierdial.polling import poll_until
from tierdial.processes import start_service

OPT_OUT = [{"wav": "heldout/ko_E_040.wav"}]
LATER = [{"wav": "heldout/ko_C_020.wav"}, {"wav": "heldout/ko_C_021.wav", "after": "pause", "pause": 1.5}]
# A callee whose call is not heard (the recogniser gone) hangs up by themself: nothing else ends that call.
CALLEE_HANGS_UP_SECONDS = 25
LINES = 3
MIN_CONTACTS = LINES + 1  # at least one call placed after the fault, to measure the recovery by
FAULT_WAIT_SECONDS = 120
LOST_PERCENT = 5  # packet_loss: of the RTP packets each way (a poor mobile connection loses 1-5 %)
# What the station's log says when each fault is noticed (its own words, from the modules that handle them).
NOTICED = {
    "asr_killed": "the ASR service ended",
    "sip_worker_killed": "ended; starting another",
    "packet_loss": "callee audio broken",
    "postgres_restarted": "the database does not answer",
    "disk_full": "database or disk is full",
    "clock_step_forward": "calling window closed",
    "clock_step_back": "calling window closed",
}
# Long enough for calls to end and opt-outs to be heard while the database is away, as in a real restart.
DATABASE_DOWN_SECONDS = 10.0
# Faults run on a sandbox PostgreSQL server rather than SQLite (a console node reaches a station's calls only there).
ON_POSTGRESQL = {"postgres_restarted", "console_killed_takeover"}
NOT_MEASURED: dict[str, str] = {}  # faults named by the issue and not measured yet, with why
DISK_MB = 64  # disk_full: the data folder's own filesystem (in memory), filled to its last byte
NEEDS_ROOT = {"disk_full": "mounting a filesystem of its own for the data folder needs root"}
# Faults of one engine's own parts. On Asterisk, the AMI link cut mid-call: `test_asterisk_calls.py`.
ENGINE_ONLY = {"sip_worker_killed": "pjsua2"}


@dataclass
class _Seen:
    """What the bus showed during the run, with wall-clock times (the callee simulators log in wall-clock time)."""

    answered: dict[str, float] = field(default_factory=dict)
    ended: dict[str, float] = field(default_factory=dict)
    first_final: dict[str, float] = field(default_factory=dict)
    speaking: set[str] = field(default_factory=set)  # calls with the callee's speech transcribed (partials)
    gaps: dict[str, AudioGaps] = field(default_factory=dict)  # the callee audio each call's recogniser missed
    audit: dict[str, int] = field(default_factory=dict)  # a fault's own figures (see `station.fault_console`)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def up(self) -> list[str]:
        with self.lock:
            return [call for call in self.answered if call not in self.ended]


class _LogTap(logging.Handler):
    """The station's warnings and errors during a run, to check what it said of the fault."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _observe(seen: _Seen, message: object) -> None:
    call_id = getattr(message, "call_id", "")
    if not call_id or leg_of(call_id).kind is not LegKind.callee:
        return
    now = time.time()
    with seen.lock:
        if isinstance(message, Answered):
            seen.answered[call_id] = now
        elif isinstance(message, CallEnded):
            seen.ended[call_id] = now
        elif isinstance(message, PartialTranscript) and message.text:
            seen.speaking.add(call_id)
        elif isinstance(message, FinalTranscript) and message.speaker == "callee" and message.text:
            seen.first_final.setdefault(call_id, now)
        elif isinstance(message, AudioGaps) and message.total_ms:
            seen.gaps[call_id] = message


def _scenario(phones: list[str]) -> tuple[dict, set[str]]:
    """The callees' scenario, and the numbers of those who opt out (every third, from the second)."""
    opting_out = {phone for k, phone in enumerate(phones) if k % 3 == 1}
    numbers = {
        phone: {"say": OPT_OUT if phone in opting_out else LATER, "hangup_after_seconds": CALLEE_HANGS_UP_SECONDS}
        for phone in phones
    }
    return {"numbers": numbers}, opting_out


def _wait(probe, timeout: float, what: str):  # type: ignore[no-untyped-def]
    return poll_until(probe, timeout, f"{what} (bench faults)", every=0.1)


def _sip_workers(station: Station) -> list[int]:
    """The embedded engine's SIP workers; none on Asterisk (its SIP is Asterisk's own process)."""
    engine = station.flow.engine
    return engine.worker_pids if isinstance(engine, Pjsua2Engine) else []


def _kill_asr(station: Station, seen: _Seen) -> tuple[float, str]:
    """SIGKILL the local ASR service while a callee is being transcribed; returns when (wall clock), and the notes'
    account of it."""
    _wait(lambda: [c for c in seen.up() if c in seen.speaking], FAULT_WAIT_SECONDS, "a callee being transcribed")
    assert station.asr.local is not None  # the benchmark's configuration names no remote ASR service
    pid, workers, up = station.asr.local.pid, _sip_workers(station), len(seen.up())
    os.kill(pid, signal.SIGKILL)
    killed, started = time.time(), time.monotonic()
    _wait(lambda: station.asr.local is not None and station.asr.local.pid != pid, 60, "the ASR service's restart")
    _wait(station.asr.answering, 60, "the restarted ASR service to answer")
    restarted = time.monotonic() - started
    kept = (
        "" if not workers else "; SIP workers " + ("all kept" if _sip_workers(station) == workers else "not all kept")
    )
    return killed, f"ASR service killed, {up} calls up; answering again after {restarted:.1f} s{kept}"


def _kill_sip_worker(station: Station, seen: _Seen) -> tuple[float, str]:
    """SIGKILL a SIP worker while calls are up (the engine spreads calls over its workers: each holds some)."""
    _wait(lambda: len(seen.up()) >= min(2, LINES), FAULT_WAIT_SECONDS, "calls up on the SIP workers")
    workers, up = _sip_workers(station), len(seen.up())
    pid = workers[0]
    os.kill(pid, signal.SIGKILL)
    killed, started = time.time(), time.monotonic()

    def replaced() -> bool:
        now = _sip_workers(station)
        return pid not in now and len(now) == len(workers)

    _wait(replaced, 60, "a SIP worker in the dead one's place")
    took = time.monotonic() - started
    return killed, f"SIP worker killed, {up} calls up on the station; another in its place after {took:.1f} s"


def _lossy_network(station: Station, seen: _Seen) -> tuple[float, str]:
    """The loss is the callees' network's from the start (`LOSSY`): measured from the first call answered."""
    _wait(seen.up, FAULT_WAIT_SECONDS, "a call answered")
    return min(seen.answered.values()), f"the callees' network loses {LOST_PERCENT} % of RTP packets each way"


def _restart_postgres(
    station: Station, seen: _Seen, *, server: PostgresServer | None = None, opting_out: set[str] = frozenset()
) -> tuple[float, str]:
    """Stop the PostgreSQL server while a callee says an opt-out, start it again `DATABASE_DOWN_SECONDS` later."""
    assert server is not None  # `_run_one` hands it over
    return _database_away(station, seen, opting_out, server.halt, server.resume, "PostgreSQL stopped")


def _fill_disk(
    station: Station, seen: _Seen, *, disk: FullDisk | None = None, opting_out: set[str] = frozenset()
) -> tuple[float, str]:
    """Fill the data folder's disk (the SQLite database's) while a callee says an opt-out, free it
    `DATABASE_DOWN_SECONDS` later."""
    assert disk is not None  # `_run_one` hands it over
    return _database_away(station, seen, opting_out, disk.fill, disk.free, "the data folder's disk full")


def _database_away(
    station: Station, seen: _Seen, opting_out: set[str], away: Callable[[], object], back: Callable[[], object],
    what: str,
) -> tuple[float, str]:  # fmt: skip
    """The database made unwritable while a callee says an opt-out (its words being transcribed), for
    `DATABASE_DOWN_SECONDS`; returns once the station has written what it held and may dial again."""
    calls = station.flow.calls

    def opting_out_now() -> list[str]:
        return [c for c in seen.up() if c in seen.speaking and c in calls and calls[c].phone in opting_out]

    _wait(opting_out_now, FAULT_WAIT_SECONDS, "a callee saying an opt-out")
    up, ended_before = len(seen.up()), len(seen.ended)
    away()
    stopped = time.time()
    threading.Event().wait(DATABASE_DOWN_SECONDS)  # the fault itself: the database away for this long
    ended_meanwhile, held = len(seen.ended) - ended_before, station.flow.records.held
    back()
    mended = time.monotonic()
    records = station.flow.records
    _wait(lambda: not records.away and not records.held, 60, "the station to write what it held and dial again")
    return stopped, (
        f"{what} with {up} calls up, a callee saying an opt-out; for {DATABASE_DOWN_SECONDS:.0f} s, "
        f"{ended_meanwhile} calls ended meanwhile, {held} records of calls held in memory; written and dialling "
        f"resumed {time.monotonic() - mended:.1f} s after"
    )


FAULTS: dict[str, Callable[..., tuple[float, str]]] = {
    "asr_killed": _kill_asr,
    "sip_worker_killed": _kill_sip_worker,
    "packet_loss": _lossy_network,
    "postgres_restarted": _restart_postgres,
    "disk_full": _fill_disk,
    "clock_step_forward": step_forward,
    "clock_step_back": step_back,
    "console_killed_upload": upload_killed,
    "console_killed_takeover": takeover_killed,
}
# Faults of the callees' side, set when their simulators start: the arguments they are started with.
LOSSY = {"packet_loss": ["--drop-percent", str(LOST_PERCENT)]}


def why_not_runnable(fault: str, engine: str) -> str | None:
    """Why this process cannot inject `fault` on `engine`, if it cannot: a filesystem of its own needs root; a SIP
    worker is the embedded engine's."""
    if fault in ENGINE_ONLY and ENGINE_ONLY[fault] != engine:
        return f"the {ENGINE_ONLY[fault]} engine's own; not on {engine}"
    if fault in NEEDS_ROOT and not FullDisk.possible():
        return NEEDS_ROOT[fault]
    return None


def runnable_faults(engine: str = "pjsua2") -> list[str]:
    """The faults this process can inject on `engine`."""
    return [fault for fault in FAULTS if why_not_runnable(fault, engine) is None]


def run_bench_faults(
    config: Config, config_path: str | None, faults: list[str], contacts: int, engine: str = "pjsua2"
) -> list[dict]:
    """`engine`: the station's telephony engine, embedded (pjsua2) or a sandbox Asterisk (asterisk)."""
    if engine not in ENGINES:
        raise UserError(f"--engine {engine}: choose one of {', '.join(ENGINES)}")
    for fault in faults:
        if fault in NOT_MEASURED:
            raise UserError(f"--fault {fault}: {NOT_MEASURED[fault]}")
        if why := why_not_runnable(fault, engine):
            raise UserError(f"--fault {fault}: {why}")
    if contacts < MIN_CONTACTS:
        raise UserError(f"--contacts must be at least {MIN_CONTACTS} (calls after the fault show the recovery)")
    return [_run_one(config, config_path, fault, contacts, engine) for fault in faults]


@dataclass
class _Records:
    """The campaign's records, read from the database once it is over."""

    attempts: list  # rows: call_id, contact_id, phone, started_at, ended_at, outcome, final_tier, timezone
    transcribed: set[str]  # calls with a callee transcript stored
    listed: set[str]  # numbers on the do-not-call list


def _run_one(config: Config, config_path: str | None, fault: str, contacts: int, engine: str) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"tierdial-faults-{fault}-"))
    sims = math.ceil(LINES / max(1, call_limit() - 1))
    phones = phones_taking_turns(contacts, sims)
    scenario, opting_out = _scenario(phones)
    scenario_path = workdir / "scenario.json"
    scenario_path.write_text(json.dumps(scenario), encoding="utf-8")
    lossy = LOSSY.get(fault, [])
    callee_sims = [
        start_service(["sim", "callees", "--scenario", str(scenario_path), *lossy], "listening on") for _ in range(sims)
    ]
    headset = start_service(["sim", "agent"], "listening on")
    clock = station_clock(fault)
    seen, tap = _Seen(), _LogTap()
    logging.getLogger().addHandler(tap)
    inject, cleanup = FAULTS[fault], ExitStack()
    try:
        ports = [sim.address[1] for sim in callee_sims]
        bench = bench_config(config, workdir, engine, ports, headset.address[1], LINES)
        if fault in ON_POSTGRESQL:
            server = PostgresServer()
            cleanup.callback(server.stop)
            server.start()
            bench = _on_database(bench, server.new_database("faults"))
            if fault == "postgres_restarted":
                inject = partial(inject, server=server, opting_out=opting_out)
        if fault == "disk_full":
            disk = cleanup.enter_context(FullDisk(workdir / "data", DISK_MB))
            bench = _on_disk(bench, disk.path)
            inject = partial(inject, disk=disk, opting_out=opting_out)
        with pbx_for(bench) as bench:
            station = Station(bench, config_path, clock=clock, console=False)
            station.bus.subscribe(lambda message: _observe(seen, message))
            progress = tqdm(total=contacts, desc=fault, unit="call", file=sys.stderr)
            station.bus.subscribe(
                lambda message: progress.update(1) if leg_of(message.call_id).kind is LegKind.callee else None,
                CallEnded,
            )
            with station:
                if not wait_for_agent(station.flow):
                    raise UserError("the simulated agent's headset did not answer")
                campaign_id = create_sim_campaign(
                    station.sessions, f"faults {fault}", "faults", phones, bench, pacing="lines"
                )
                fault_at, notes = inject(station, seen)
                if not station.wait_campaign_done(campaign_id, timeout=60 * contacts):
                    notes += "; the campaign did not finish in time"
                records = _records(station, campaign_id, opting_out)
            progress.close()
    finally:
        logging.getLogger().removeHandler(tap)
        headset.stop()
        callee_out = "\n".join(sim.stop() for sim in callee_sims)
        cleanup.close()
        shutil.rmtree(workdir, ignore_errors=True)
    said = _lines_said(callee_out)
    figures = _figures(records, said, seen, opting_out, fault_at)
    figures = _with_window_figures(figures, records, clock, contacts)
    if fault in NOTICED:  # a console node's faults are not the station's to notice: their notes say who did
        noticed = any(NOTICED[fault] in line for line in tap.lines)
        notes += "; the station's log says so" if noticed else "; the station's log does not mention it"
    not_heard, optouts_not_heard = figures.pop("not_heard"), figures.pop("optouts_not_heard")
    heard_late = figures.pop("heard_late")
    if never := figures.pop("not_dialled"):
        notes += f"; {never} contacts not dialled" + (" (the window closed)" if fault.startswith("clock") else "")
    if not_heard:
        notes += f"; {not_heard} calls not heard (no tier decided: cut off, or the recogniser gone)"
    if heard_late:
        notes += f"; {heard_late} calls heard only after they ended (transcripts kept; only an opt-out acted on)"
    if optouts_not_heard:
        notes += f"; {optouts_not_heard} of the lost opt-outs said on a call not heard"
    if seen.gaps:
        concealed = sum(gaps.concealed_ms for gaps in seen.gaps.values())
        longest = max(gaps.longest_ms for gaps in seen.gaps.values())
        notes += (f"; callee audio gaps reported on {len(seen.gaps)} of {len(seen.answered)} answered calls "
                  f"({concealed} ms concealed in all, {longest} ms at most at once)")  # fmt: skip
    return {"fault": fault, "engine": engine, **figures, **seen.audit, "notes": notes}


def _on_disk(config: Config, folder: Path) -> Config:
    """The data folder and the SQLite database in it on `folder`; the intent model where it was (not trained again)."""
    data = config.model_dump(mode="json")
    data["data_dir"], data["database"]["url"] = str(folder), f"sqlite:///{folder / 'bench.db'}"
    data["intent"]["model_path"] = str(config.intent_model_path.resolve())
    return parse_config(data, "benchmark configuration")


def _on_database(config: Config, url: str) -> Config:
    data = config.model_dump(mode="json")
    data["database"]["url"] = url
    return parse_config(data, "benchmark configuration")


def _records(station: Station, campaign_id: int, opting_out: set[str]) -> _Records:
    with station.sessions() as session:
        attempts = list(
            session.execute(
                select(
                    CallAttempt.call_id,
                    CallAttempt.contact_id,
                    Contact.phone_e164.label("phone"),
                    CallAttempt.started_at,
                    CallAttempt.ended_at,
                    CallAttempt.outcome,
                    CallAttempt.final_tier,
                    Contact.timezone,
                )
                .join(Contact, Contact.id == CallAttempt.contact_id)
                .where(CallAttempt.campaign_id == campaign_id)
            )
        )
        segments = select(TranscriptSegment.call_id).where(
            TranscriptSegment.call_id.in_([a.call_id for a in attempts]), TranscriptSegment.speaker == "callee"
        )
        transcribed = set(session.scalars(segments))
        listed = set(session.scalars(select(DoNotCall.phone_e164).where(DoNotCall.phone_e164.in_(opting_out))))
    return _Records(attempts, transcribed, listed)


def _lines_said(callee_out: str) -> dict[str, list[float]]:
    """Per number, when each line its callee began saying would have ended (wall clock), over all its calls."""
    said: dict[str, list[float]] = defaultdict(list)
    for entry in map(json.loads, filter(is_json, callee_out.splitlines())):
        said[entry["number"]].extend(line["speech_end_at"] for line in entry.get("lines", []))
    return said


def _figures(records: _Records, said: dict[str, list[float]], seen: _Seen, opting_out: set[str], fault_at: float):
    """The fault's figures, by the definitions in the module's docstring (and not_heard, for its notes)."""

    def spoke(call_id: str, phone: str) -> bool:  # a line said to its end while this call was up
        answered, ended = seen.answered.get(call_id), seen.ended.get(call_id, math.inf)
        return answered is not None and any(answered <= end <= ended for end in said.get(phone, []))

    answered = [a for a in records.attempts if a.call_id in seen.answered]
    heard = [a for a in answered if a.final_tier is not None]
    opted = {a.phone for a in answered if a.phone in opting_out and spoke(a.call_id, a.phone)}
    lost_optouts = opted - records.listed
    recovered = [
        seen.first_final[call] - fault_at
        for call, at in seen.answered.items()
        if at >= fault_at and call in seen.first_final
    ]
    return {
        "calls": len(records.attempts),
        "lost_optouts": len(lost_optouts),
        "lost_transcripts": sum(1 for a in heard if spoke(a.call_id, a.phone) and a.call_id not in records.transcribed),
        "lost_outcomes": sum(1 for a in records.attempts if a.outcome == CallOutcome.in_progress),
        "double_dials": _double_dials(records.attempts),
        "recovered_s": round(min(recovered), 1) if recovered else None,
        "not_heard": sum(1 for a in answered if a.final_tier is None and a.call_id not in records.transcribed),
        "heard_late": sum(1 for a in answered if a.final_tier is None and a.call_id in records.transcribed),
        "optouts_not_heard": len({a.phone for a in answered if a.final_tier is None} & lost_optouts),
    }


def _with_window_figures(figures: dict, records: _Records, clock: SteppedClock, contacts: int) -> dict:
    """dialled_outside_window next to double_dials (see `station.fault_clock`), and the contacts never dialled."""
    ordered = {}
    for name, value in figures.items():
        ordered[name] = value
        if name == "double_dials":
            ordered["dialled_outside_window"] = dialled_outside_window(records.attempts, clock)
    ordered["not_dialled"] = contacts - len({a.contact_id for a in records.attempts})
    return ordered


def _double_dials(attempts: list) -> int:
    """Contacts with two attempts at once: one started before the other had ended."""
    by_contact: dict[int, list] = defaultdict(list)
    for attempt in attempts:
        by_contact[attempt.contact_id].append(attempt)
    twice = 0
    for own in by_contact.values():
        own.sort(key=lambda a: a.started_at)
        # An attempt that never ended overlaps whatever came after it.
        if any(a.ended_at is None or b.started_at < a.ended_at for a, b in itertools.pairwise(own)):
            twice += 1
    return twice


def table(results: list[dict]) -> str:
    """The results for a person: one row per fault, its notes below."""
    columns = ["fault", "calls", "lost_optouts", "lost_transcripts", "lost_outcomes", "double_dials",
               "dialled_outside_window", "recovered_s"]  # fmt: skip
    widths = [max(len(c), *(len(str(r[c])) for r in results)) for c in columns]
    rows = [columns, *([str(r[c]) for c in columns] for r in results)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    for result in results:  # a fault's own figures (half_written, takeover_lost, ...) lead its notes
        own = "".join(f"{k} {v}; " for k, v in result.items() if k not in (*columns, "notes"))
        lines.append(f"{result['fault']}: {own}{result['notes']}")
    lines += [f"{fault}: {why}" for fault, why in NOT_MEASURED.items()]
    return "\n".join(lines)
