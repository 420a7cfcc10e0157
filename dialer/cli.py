"""`tierdial triage` and `tierdial demo`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dialer.telephony.codecs import PJSIP_CODEC_IDS
from tierdial.config import load_config
from tierdial.errors import UserError

MAX_DROP_PERCENT = 50


def _triage(args: argparse.Namespace) -> int:
    # Speech and the model are imported here, not at the top: every `tierdial` command would wait for them.
    from asr.audio import read_wav
    from asr.cli import config_with_languages
    from asr.engine import AsrEngine
    from dialer.triage import triage_recording
    from intent.training import model_for

    config = load_config(args.config)
    if args.language:  # heard as a campaign in that language would hear it
        config = config_with_languages(config, args.language)
    recording = read_wav(Path(args.file))  # a bad file is reported before the model is loaded
    engine = AsrEngine.from_config(config.asr, warm_recognizers=1)
    result = triage_recording(recording, engine, model_for(config), args.language or "")
    if args.json:
        print(json.dumps({k: result[k] for k in ("transcript", "tier", "confidence", "evidence")}, ensure_ascii=False))
    else:
        print(f"transcript: {result['transcript'] or '(no speech)'}")
        print(f"tier:       {result['tier']} ({result['confidence']:.2f})")
        print(f"evidence:   {', '.join(result['evidence']) or '-'}")
    return 0


def _bench_import(args: argparse.Namespace) -> int:
    from dialer.lists.bench import run_import_bench

    if args.rows < 1:
        raise UserError("--rows must be at least 1")
    figures = run_import_bench(args.rows)
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"{figures['rows']} rows in {figures['seconds']} s ({figures['rows_per_s']} rows/s); "
            f"hopper: next 100 of {figures['loaded']} in {figures['hopper_ms']} ms"
        )
    return 0


def _bench_pacing(args: argparse.Namespace) -> int:
    from dialer.pacing.bench import comparisons, run_pacing_bench

    controllers = [c.strip() for c in args.controllers.split(",") if c.strip()]
    generated = []
    if args.generated:
        from dialer.pacing.simulator.generate import generated_scenarios

        generated = generated_scenarios(args.generated, args.seed)
    results = run_pacing_bench([Path(p) for p in args.scenario or []], controllers, generated)
    if args.plot:
        from dialer.pacing.plot import plot_results

        plot_results(results, Path(args.plot))
    if args.json:
        print(json.dumps({"results": results, "comparisons": comparisons(results)}))
        return 0
    for r in results:
        print(
            f"{r['scenario']:<32} {r['controller']:<12} talk min/agent h {r['talk_minutes_per_agent_hour']:6.2f}  "
            f"abandoned {100 * float(r['abandon_rate']):5.2f} %  occupancy {100 * float(r['occupancy']):5.1f} %"
        )
    for row in comparisons(results):
        print(", ".join(f"{k} {v}" for k, v in row.items()))
    return 0


def _sim_callees(args: argparse.Namespace) -> int:
    from dialer.sim.callees import serve
    from dialer.sim.scenario import load_scenario

    if not 0 <= args.drop_percent <= MAX_DROP_PERCENT:
        raise UserError(f"--drop-percent must be 0-{MAX_DROP_PERCENT}")
    scenario = load_scenario(Path(args.scenario))
    record_dir = Path(args.record_dir) if args.record_dir else None
    return serve(scenario, args.port, record_dir, codec=args.codec, drop_percent=args.drop_percent)


def _sim_agent(args: argparse.Namespace) -> int:
    from dialer.sim.callees import serve_agent

    return serve_agent(args.port, Path(args.record_dir) if args.record_dir else None)


def register(commands: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """Returns the `bench` group, for the station's benchmarks."""
    import dialer.contacts_cli
    import dialer.lists.cli
    import dialer.telephony.asterisk.cli
    from dialer.pacing.registry import CONTROLLERS

    dialer.lists.cli.register(commands)
    dialer.contacts_cli.register(commands)
    dialer.telephony.asterisk.cli.register(commands)
    triage = commands.add_parser("triage", help="transcribe and classify one recording, as a live call would")
    triage.add_argument("file", help="mono 16-bit PCM WAV at 8 or 16 kHz")
    triage.add_argument(
        "--language",
        choices=("ko", "en", "zh"),  # asr.language's values (tierdial.config)
        help="what the callee speaks (default: asr.language): as a campaign in that language hears it",
    )
    triage.add_argument("--json", action="store_true")
    triage.set_defaults(run=_triage)
    bench = commands.add_parser("bench", help="benchmarks that print JSON").add_subparsers(dest="action", required=True)
    imports = bench.add_parser("import", help="load a generated list of N contacts, then time the hopper on it")
    imports.add_argument("--rows", type=int, default=1_000_000)
    imports.add_argument("--json", action="store_true")
    imports.set_defaults(run=_bench_import)
    pacing = bench.add_parser("pacing", help="pacing controllers on simulated shifts: talk time against abandonment")
    pacing.add_argument("--scenario", action="extend", nargs="+", metavar="FILE", help="YAML files (one or more)")
    pacing.add_argument("--generated", type=int, default=0, metavar="N", help="also N random scenarios (4 h each)")
    pacing.add_argument("--seed", type=int, default=1, help="seed of the random scenarios (default 1)")
    pacing.add_argument("--controllers", default=",".join(CONTROLLERS), help="comma-separated")
    pacing.add_argument("--plot", metavar="PNG", help="also draw talk time against abandonment to this file")
    pacing.add_argument("--json", action="store_true", help="one line of JSON")
    pacing.set_defaults(run=_bench_pacing)

    sim = commands.add_parser("sim", help="simulated SIP peers for tests and demos").add_subparsers(
        dest="action", required=True
    )
    callees = sim.add_parser("callees", help="answer calls as a scenario file says")
    callees.add_argument("--scenario", required=True, help="YAML: what each number does")
    callees.add_argument("--port", type=int, default=0, help="SIP port on 127.0.0.1 (0: any free port)")
    callees.add_argument("--record-dir", help="save what each callee heard as WAV files here")
    callees.add_argument(
        "--codec",
        choices=sorted(PJSIP_CODEC_IDS),
        help="offer only this codec, as a carrier does (pcmu, pcma: 8 kHz G.711; default: G.722 first, then G.711)",
    )
    callees.add_argument(
        "--drop-percent", type=int, default=0, help="lose this share of the RTP packets each way, as a lossy network"
    )
    callees.set_defaults(run=_sim_callees)
    agent = sim.add_parser("agent", help="an agent's headset softphone: answers the dialer and records what it hears")
    agent.add_argument("--port", type=int, default=0, help="SIP port on 127.0.0.1 (0: any free port)")
    agent.add_argument("--record-dir", help="save what the agent heard as WAV files here")
    agent.set_defaults(run=_sim_agent)
    return bench
