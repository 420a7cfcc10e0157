"""`tierdial bench live`: takeover and tier latency, and concurrency, on real calls over loopback.

Simulated callees say a hot line and keep talking; an agent's simulated headset is up
for the shift. For each hot call the benchmark clicks Take over on the console's HTTP
API, as an agent would, and the headset notes when it first hears the callee. Figures:

- takeover: click (or the callee starting to talk, if later) -> the agent hears the callee;
- tier latency: the callee stops speaking -> the final tier of that utterance is published
  to the console's event stream (it waits for the recogniser's end of utterance); tier
  shown: -> the console shows that tier for good, often from partial transcripts already;
- rtf, asr_cpu_per_call_second (the same figure): the ASR service's CPU seconds per second of call audio it was
  sent;
  asr_cpu_per_speech_second: the same per second of speech the callees said (what a second pass, which decodes speech
  only, is priced by); asr_cores_busy: its CPU seconds per second of the run (what it took of the machine);
- max_concurrent_calls: the most answered calls up at once, all transcribed live; hot_calls_tiered: the
  share of answered calls whose hot line came out tier A (under 1, transcription did not keep up). The callees are
  spread over several simulator processes (each holds the wheel's few calls), each the trunk of
  one caller number;
- codecs: the calls per codec the callees' audio came in (`--codec pcmu`: the simulated carrier offers only G.711
  mu-law, 8 kHz, as most carriers do; Asterisk's events do not name it);
- audio_gaps: callee audio that reached the recogniser broken (the engine's count, per call: concealed by
  the jitter buffer, or skipped by a starved SIP process): calls with a gap (60 ms or more at once, past what
  packet-loss concealment hides), all broken audio, the longest gap; sustained: the load was carried with the
  real-time factor under 1, every hot line tiered and no call with a gap.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from tqdm import tqdm

from console.tokens import create_token
from dialer.call_flow import CallFlow
from dialer.sim.setup import AGENT, create_sim_campaign, noon_in_seoul_clock, wait_for_agent
from dialer.telephony.legs import LegKind, leg_of
from dialer.telephony.pjsua2.endpoint import call_limit
from dialer.telephony.registry import ENGINES, pbx_for
from number_pool.assignment import stable_pick
from station.assembly import Station
from tierdial.config import Config, parse_config
from tierdial.errors import UserError
from tierdial.messages import Answered, AudioGaps, CallEnded, TierDecided
from tierdial.processes import start_service

HOT_LINE = "heldout/ko_A_003.wav"
# After the hot line the callee goes on talking, so the agent has someone to hear at takeover.
FOLLOW_UP = ["heldout/ko_C_020.wav", "heldout/ko_B_010.wav", "heldout/ko_C_021.wav"]
HOT_LINE_PAUSE = 1.5
TALK_AFTER_TAKEOVER_SECONDS = 2.5
MAX_LINES = 60


@dataclass
class _Run:
    """What the benchmark observed on the bus, with wall-clock times."""

    clicks: dict[str, float] = field(default_factory=dict)  # call id -> takeover click
    tiers: dict[str, list[tuple[float, str, bool]]] = field(default_factory=dict)  # at, tier, is_final
    answered: dict[str, float] = field(default_factory=dict)
    ended: dict[str, float] = field(default_factory=dict)
    peak_up: int = 0
    gaps: dict[str, AudioGaps] = field(default_factory=dict)
    codecs: dict[str, str] = field(default_factory=dict)  # call id -> the codec its callee's audio came in
    lock: threading.Lock = field(default_factory=threading.Lock)


def _scenario(phones: list[str]) -> dict:
    # After the hot line the callee stops for a moment (the recogniser closes an utterance after up to 1 s of
    # silence: shorter, and the next line would run into it), then talks on, pausing as people do.
    pauses = [HOT_LINE_PAUSE] + [0.6] * (len(FOLLOW_UP) - 1)
    follow_up = [{"wav": w, "after": "pause", "pause": p} for w, p in zip(FOLLOW_UP, pauses, strict=True)]
    say = [{"wav": HOT_LINE}, *follow_up]
    return {"numbers": {phone: {"say": say, "hangup_after_seconds": 60} for phone in phones}}


def _cpu_seconds(pid: int | None) -> float:
    if pid is None:  # remote ASR services: their CPU is not measured here
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 1), "p95": round(p95, 1)}


class _Agent:
    """Takes over each hot call while free, listens a moment, then ends it: the agent at the headset."""

    def __init__(self, base_url: str, token: str, flow: CallFlow, run: _Run) -> None:
        self.base_url, self.token, self.flow, self.run = base_url, token, flow, run
        self.busy = threading.Lock()

    def __call__(self, message: object) -> None:
        hot = isinstance(message, TierDecided) and message.tier == "A" and message.is_final
        if hot and message.call_id not in self.run.clicks and self.busy.acquire(blocking=False):
            threading.Thread(target=self._take_over, args=(message.call_id,), daemon=True).start()

    def _take_over(self, call_id: str) -> None:
        try:
            request = urllib.request.Request(
                f"{self.base_url}/api/v1/calls/{call_id}/takeover",
                json.dumps({"agent": AGENT}).encode(),
                {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
            )
            self.run.clicks[call_id] = time.time()
            urllib.request.urlopen(request, timeout=10).close()
            time.sleep(TALK_AFTER_TAKEOVER_SECONDS)
            self.flow.hang_up(call_id)
        except Exception:  # a call that ended under the agent's click is simply not measured
            self.run.clicks.pop(call_id, None)
        finally:
            time.sleep(0.5)  # the bridge is parted once the hang-up is through
            self.busy.release()


def _observe(run: _Run, message: object) -> None:
    now = time.time()
    with run.lock:
        if isinstance(message, TierDecided):
            run.tiers.setdefault(message.call_id, []).append((now, message.tier, message.is_final))
        elif isinstance(message, Answered) and leg_of(message.call_id).kind is LegKind.callee:
            run.answered[message.call_id] = now
            run.codecs[message.call_id] = message.codec
            up = sum(1 for call in run.answered if call not in run.ended)
            run.peak_up = max(run.peak_up, up)
        elif isinstance(message, CallEnded):
            run.ended[message.call_id] = now
        elif isinstance(message, AudioGaps):
            run.gaps[message.call_id] = message


def _remember_phone(flow: CallFlow, phone_of: dict[str, str], message: Answered) -> None:
    call = flow.calls.get(message.call_id)
    if call is not None:
        phone_of[message.call_id] = call.phone


def _takeover_ms(run: _Run, callee_log: dict[str, dict], agent_onsets: list[float], phone_of: dict) -> list[float]:
    """Per taken call: from the click, or the callee's next word if they were quiet, to the agent hearing them."""
    figures = []
    for call_id, clicked in run.clicks.items():
        lines = callee_log.get(phone_of.get(call_id, ""), {}).get("lines", [])
        talking = [
            line["speech_start_at"]
            for line in lines
            if line["speech_end_at"] > clicked  # this line was still being spoken, or was yet to come
        ]
        if not talking:
            continue
        audible_from = max(clicked, min(talking))
        # A sound before the callee spoke again is not the callee (the agent's own line, a codec's noise).
        heard = [t for t in agent_onsets if t >= audible_from]
        if heard:
            figures.append(1000 * (heard[0] - audible_from))
    return figures


def _share_tiered(run: _Run) -> float:
    """Of the answered calls, the share whose hot line came out tier A while the call was up: under that, the
    transcription did not keep up (or misheard), and the concurrency was not sustained."""
    answered = [call for call in run.answered if leg_of(call).kind is LegKind.callee]
    hot = [call for call in answered if any(t == "A" and final for _, t, final in run.tiers.get(call, []))]
    return len(hot) / len(answered) if answered else 0.0


def _tier_latency_ms(run: _Run, callee_log: dict[str, dict], phone_of: dict) -> tuple[list[float], list[float]]:
    """Per call, from the end of the hot line: to its final tier, and to the console first showing that tier
    for good (0 when the partial transcripts had it before the callee finished)."""
    final, shown = [], []
    for call_id, decided in run.tiers.items():
        lines = callee_log.get(phone_of.get(call_id, ""), {}).get("lines", [])
        if not lines:
            continue
        end_of_hot_line = lines[0]["speech_end_at"]
        finals = [i for i, (at, _, is_final) in enumerate(decided) if is_final and at >= end_of_hot_line]
        if not finals:
            continue
        index = finals[0]
        settled = index
        while settled > 0 and decided[settled - 1][1] == decided[index][1]:
            settled -= 1
        final.append(1000 * (decided[index][0] - end_of_hot_line))
        shown.append(max(0.0, 1000 * (decided[settled][0] - end_of_hot_line)))
    return final, shown


def _audio_gaps(run: _Run) -> dict[str, int] | None:
    """None when the engine does not count them."""
    if not run.gaps:
        return None
    gaps = run.gaps.values()
    return {
        "calls_measured": len(gaps),
        "calls_with_gaps": sum(1 for g in gaps if g.audible),
        "broken_ms_total": sum(g.total_ms for g in gaps),
        "longest_gap_ms": max(g.longest_ms for g in gaps),
    }


def _bench_number(k: int) -> str:
    return f"+82234567{k:03d}"


def phones_taking_turns(calls: int, sims: int) -> list[str]:
    """Simulated callees' numbers, in an order that takes turns among the callee simulators.

    Simulator k is the trunk of caller number k, and each contact's caller number follows from
    its phone number as the number pool picks it; so the phones are chosen, and ordered, to
    spread the calls in progress evenly over the simulators.
    """
    numbers = [SimpleNamespace(e164=_bench_number(k)) for k in range(sims)]
    buckets: list[list[str]] = [[] for _ in range(sims)]
    candidate = 0
    while min(len(bucket) for bucket in buckets) < math.ceil(calls / sims):
        phone = f"+8210300{candidate:05d}"
        candidate += 1
        buckets[numbers.index(stable_pick(phone, numbers))].append(phone)  # type: ignore[arg-type]
    return [phone for turn in zip(*buckets, strict=False) for phone in turn][:calls]


def bench_config(
    config: Config, workdir: Path, engine_name: str, sim_ports: list[int], headset_port: int, lines: int
) -> Config:
    """The configuration on `engine_name` with a database of the run's own, a trunk and an owned caller number per
    callee simulator, agent1's phone on the simulated headset, and SIP workers for `lines` calls; for Asterisk, a
    sandbox unless config.yaml names an Asterisk of its own."""
    data = config.model_dump(mode="json")
    data["engine"] = engine_name
    data["database"]["url"] = f"sqlite:///{workdir / 'bench.db'}"
    data["station"] = {**data["station"], "lines": lines, "name": f"bench-{os.getpid()}", "asr_services": []}
    data["agents"] = [{"name": AGENT, "phone": f"sip:{AGENT}@127.0.0.1:{headset_port}"}]
    data["trunks"] = [{"name": f"sim-{k}", "uri": f"sip:127.0.0.1:{port}"} for k, port in enumerate(sim_ports)]
    data["caller_numbers"] = [
        {"number": _bench_number(k), "trunk": f"sim-{k}", "region": "KR", "owned": True} for k in range(len(sim_ports))
    ]
    # The calls, the agent's leg, and room for the engine to spread them.
    data["sip"]["workers"] = max(config.sip.workers, math.ceil((lines + 1) / call_limit()) + 1)
    if engine_name == "asterisk" and not config.asterisk.ami_secret:
        data["asterisk"]["sandbox"] = True
    return parse_config(data, "benchmark configuration")


def run_bench_live(
    config: Config, config_path: str | None, engine_name: str, calls: int, lines: int, codec: str | None = None
) -> dict:
    """`codec`: the one codec the simulated carrier offers (pcmu: 8 kHz G.711 end to end); None: G.722 first."""
    if engine_name not in ENGINES:
        raise UserError(f"--engine {engine_name}: not available yet (available: {', '.join(ENGINES)})")
    if not 1 <= lines <= MAX_LINES:
        raise UserError(f"--lines must be 1-{MAX_LINES}")
    workdir = Path(tempfile.mkdtemp(prefix="tierdial-bench-"))
    per_sim = max(1, call_limit() - 1)  # a slot to spare: a call ending and the next starting overlap
    sims = math.ceil(lines / per_sim)
    phones = phones_taking_turns(calls, sims)
    scenario = workdir / "scenario.json"
    scenario.write_text(json.dumps(_scenario(phones)), encoding="utf-8")
    sim_command = ["sim", "callees", "--scenario", str(scenario), *(["--codec", codec] if codec else [])]
    callee_sims = [start_service(sim_command, "listening on") for _ in range(sims)]
    sim_ports = [sim.address[1] for sim in callee_sims]
    headset = start_service(["sim", "agent"], "listening on")
    _, clock = noon_in_seoul_clock()
    run = _Run()
    phone_of: dict[str, str] = {}
    try:
        with pbx_for(bench_config(config, workdir, engine_name, sim_ports, headset.address[1], lines)) as bench:
            station = Station(bench, config_path, clock=clock, console_port=0)
            flow = station.flow
            with station.sessions.begin() as session:
                token = create_token(session, "bench live", ["calls:write"], "bench")
            station.bus.subscribe(lambda message: _observe(run, message))
            station.bus.subscribe(lambda message: _remember_phone(flow, phone_of, message), Answered)
            station.bus.subscribe(_Agent(station.console_url or "", token, flow, run))
            progress = tqdm(total=calls, desc="calls", unit="call", file=sys.stderr)
            station.bus.subscribe(
                lambda message: progress.update(1) if leg_of(message.call_id).kind is LegKind.callee else None,
                CallEnded,
            )
            with station:
                asr_pid = station.asr.local.pid if station.asr.local else None
                if not wait_for_agent(flow):
                    raise UserError("the simulated agent's headset did not answer")
                cpu_before, wall_before = _cpu_seconds(asr_pid), time.monotonic()
                sessions = station.sessions
                campaign_id = create_sim_campaign(sessions, "bench live", "bench", phones, bench, pacing="lines")
                station.wait_campaign_done(campaign_id, timeout=60 * calls)
                cpu_used = _cpu_seconds(asr_pid) - cpu_before
                wall = time.monotonic() - wall_before
            progress.close()
    finally:
        agent_out = headset.stop()
        callee_out = "\n".join(sim.stop() for sim in callee_sims)
        shutil.rmtree(workdir, ignore_errors=True)
    callee_log = {e["number"]: e for e in map(json.loads, filter(is_json, callee_out.splitlines()))}
    agent_onsets = [t for e in map(json.loads, filter(is_json, agent_out.splitlines())) for t in e["sound_onsets"]]
    audio_seconds = sum(run.ended.get(c, time.time()) - t for c, t in run.answered.items())
    takeover = _takeover_ms(run, callee_log, agent_onsets, phone_of)
    tier, tier_shown = _tier_latency_ms(run, callee_log, phone_of)
    rtf = cpu_used / audio_seconds if audio_seconds else None
    speech_seconds = sum(
        line["speech_end_at"] - line["speech_start_at"] for e in callee_log.values() for line in e["lines"]
    )
    gaps = _audio_gaps(run)
    tiered = _share_tiered(run)
    sustained = None if gaps is None or rtf is None else rtf < 1 and tiered == 1 and not gaps["calls_with_gaps"]
    return {
        "engine": engine_name,
        "codecs": dict(Counter(codec or "not reported" for codec in run.codecs.values())),
        "takeover_ms": _percentiles(takeover),
        "tier_latency_ms": _percentiles(tier),
        "tier_shown_ms": _percentiles(tier_shown),
        "max_concurrent_calls": run.peak_up,
        "hot_calls_tiered": round(tiered, 3),
        "rtf": round(rtf, 3) if rtf is not None else None,
        "asr_cpu_per_call_second": round(rtf, 3) if rtf is not None else None,  # rtf, by the name the table uses
        "asr_cpu_per_speech_second": round(cpu_used / speech_seconds, 3) if speech_seconds else None,
        "audio_gaps": gaps,
        "sustained": sustained,
        "calls": calls,
        "lines": lines,
        "callee_simulators": sims,
        "asr_cores_busy": round(cpu_used / wall, 2),
        "takeovers_measured": len(takeover),
        "asr_bound_calls_estimate": int((os.cpu_count() or 1) / rtf) if rtf else None,
    }


def is_json(line: str) -> bool:
    return line.startswith("{")
