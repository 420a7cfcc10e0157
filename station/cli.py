"""`tierdial serve`, `tierdial console serve`, `tierdial demo`, and the benchmarks that run stations (live, faults)."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import time
import uuid

from dialer.telephony.codecs import PJSIP_CODEC_IDS
from tierdial.config import load_config

log = logging.getLogger(__name__)


class _Stopping:
    """The first SIGTERM or Ctrl-C asks for a graceful stop; a second one stops at once."""

    def __init__(self) -> None:
        # A plain flag, not a threading.Event: the handler runs in the main thread wherever it was, and an Event's
        # set() takes a lock that thread may be holding inside the Event's own wait(), which then never returns.
        self.asked = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.asked:
            raise SystemExit(128 + signum)
        log.warning("%s: stopping (again to stop at once)", signal.Signals(signum).name)
        self.asked = True

    def wait(self) -> None:
        while not self.asked:
            time.sleep(0.5)  # in the main thread: a signal's handler runs as soon as it comes, the flag is read after


def _serve(args: argparse.Namespace) -> int:
    from station.assembly import Station

    stopping = _Stopping()
    config = load_config(args.config)
    station = Station(config, args.config, console=not args.no_console)
    station.start()
    try:
        web = station.console
        where = f"console listening on {web.host}:{web.port}" if web else "no console"
        print(f"station {station.name} serving ({config.engine}, {config.station.lines} lines); {where}", flush=True)
        stopping.wait()
        left = station.drain()
        if left:
            log.warning("drain limit reached: %d calls hung up", left)
    finally:
        station.stop()
    return 0


def _console_serve(args: argparse.Namespace) -> int:
    from console.app import create_app
    from console.live import LiveFeed
    from station.control import ClusterControl
    from station.relay import Relay
    from station.web import ConsoleServer
    from tierdial.bus import EventBus
    from tierdial.db import on_postgresql
    from tierdial.schema import migrated_database

    stopping = _Stopping()
    config = load_config(args.config)
    sessions = migrated_database(config.database_url)
    relay, live = None, None
    if on_postgresql(sessions):  # the stations' live calls, and commands to them, through the database
        console_bus = EventBus()
        relay = Relay(sessions.kw["bind"], uuid.uuid4().hex, console_bus).start()
        live = LiveFeed(console_bus, ClusterControl(sessions, relay))
    app = create_app(config, live, sessions, station_bus=EventBus())
    server = ConsoleServer(app, config.console, args.port).start()
    print(f"console listening on {server.host}:{server.port}", flush=True)
    try:
        stopping.wait()
    finally:
        server.shutdown()
        if relay is not None:
            relay.stop()
    return 0


def _demo(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.offline:
        from dialer.demo import run_demo

        return run_demo(config, samples_per_tier=args.samples)
    from station.demo import run_live_demo

    return run_live_demo(
        config,
        args.config,
        contacts=args.contacts,
        lines=args.lines,
        start_delay=args.start_delay,
        codec=args.codec,
        language=args.language,
    )


def _bench_live(args: argparse.Namespace) -> int:
    from station.bench_live import run_bench_live

    config = load_config(args.config)
    figures = run_bench_live(config, args.config, args.engine, calls=args.calls, lines=args.lines, codec=args.codec)
    print(json.dumps(figures) if args.json else json.dumps(figures, indent=2))
    return 0


def _bench_cluster(args: argparse.Namespace) -> int:
    from station.bench_cluster import run_bench_cluster

    figures = run_bench_cluster(load_config(args.config), args.nodes, restart_database=args.restart_database)
    print(json.dumps(figures) if args.json else json.dumps(figures, indent=2))
    return 0


def _bench_faults(args: argparse.Namespace) -> int:
    from station.bench_faults import run_bench_faults, runnable_faults, table

    faults = args.fault or runnable_faults(args.engine)
    results = run_bench_faults(
        load_config(args.config), args.config, faults, contacts=args.contacts, engine=args.engine
    )
    print("\n".join(json.dumps(result) for result in results) if args.json else table(results))
    return 0


def register(commands: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve", help="run this node: dial every running campaign, serve the console, until SIGTERM (then drain)"
    )
    serve.add_argument("--no-console", action="store_true", help="serve no console here (run one apart)")
    serve.set_defaults(run=_serve, default_log_level="INFO")
    console = commands.add_parser("console", help="the web console").add_subparsers(dest="action", required=True)
    console_serve = console.add_parser("serve", help="run only the console (an extra console node)")
    console_serve.add_argument("--port", type=int, help="TCP port (0: any free one; default: console.port)")
    console_serve.set_defaults(run=_console_serve, default_log_level="INFO")

    demo = commands.add_parser("demo", help="dial a demo campaign of simulated callees over SIP on this machine")
    demo.add_argument(
        "--contacts",
        type=int,
        default=20,
        choices=range(1, 21),
        metavar="1-20",
        help="how many of the 20 demo callees to dial (default 20)",
    )
    demo.add_argument(
        "--lines", type=int, default=3, choices=range(1, 4), metavar="1-3", help="calls at once (default 3)"
    )
    demo.add_argument(
        "--offline", action="store_true", help="no calls: report the intent model and triage bundled recordings"
    )
    demo.add_argument("--samples", type=int, default=1, help="with --offline: recordings per tier (default 1)")
    demo.add_argument("--start-delay", type=float, default=10, help="seconds to open the console before dialling")
    demo.add_argument(
        "--codec", choices=sorted(PJSIP_CODEC_IDS), help="the one codec the simulated carrier offers (pcmu: 8 kHz)"
    )
    demo.add_argument(
        "--language",
        choices=("ko", "en", "zh"),  # station.demo.DEMO_LANGUAGES, not imported here: the command line starts light
        default="ko",
        help="what the campaign and its simulated callees speak (default ko; en, zh: lines said by a synthetic voice)",
    )
    demo.set_defaults(run=_demo)

    live = bench.add_parser("live", help="takeover and tier latency, concurrency and ASR load on real SIP calls")
    live.add_argument("--engine", default="pjsua2", choices=["pjsua2", "asterisk"])
    live.add_argument("--calls", type=int, default=12, help="simulated hot calls to place (default 12)")
    live.add_argument("--lines", type=int, default=3, help="calls at once, 1-60 (default 3)")
    live.add_argument("--json", action="store_true", help="one line of JSON")
    live.add_argument(
        "--codec", choices=sorted(PJSIP_CODEC_IDS), help="the one codec the simulated carrier offers (pcmu: 8 kHz)"
    )
    live.set_defaults(run=_bench_live)
    cluster = bench.add_parser(
        "cluster", help="stations and a console node on one PostgreSQL database, one killed: failover, nothing lost"
    )
    cluster.add_argument("--nodes", type=int, default=2, help="stations, 2-4 (default 2)")
    cluster.add_argument(
        "--restart-database",
        action="store_true",
        help="before one is killed, stop PostgreSQL for 10 s with calls up on every station: none is taken for dead, "
        "every station dials again",
    )
    cluster.add_argument("--json", action="store_true", help="one line of JSON")
    cluster.set_defaults(run=_bench_cluster)
    faults = bench.add_parser(
        "faults",
        help="a short campaign with one fault injected per run (ASR service, SIP worker, console node killed; packets "
        "lost; PostgreSQL restarted; the data folder's disk full; the clock stepped): nothing lost",
    )
    faults.add_argument(
        "--fault",
        action="append",
        choices=[
            "asr_killed",
            "sip_worker_killed",
            "packet_loss",
            "postgres_restarted",
            "disk_full",
            "clock_step_forward",
            "clock_step_back",
            "console_killed_upload",
            "console_killed_takeover",
        ],
        help="a fault to inject (repeatable; default: every one measured this process can inject: disk_full needs "
        "root)",
    )
    faults.add_argument(
        "--engine",
        choices=["pjsua2", "asterisk"],
        default="pjsua2",
        help="the station's telephony engine: embedded (default) or a sandbox Asterisk (sip_worker_killed is the "
        "embedded engine's own)",
    )
    faults.add_argument("--contacts", type=int, default=12, help="simulated callees per run (default 12)")
    faults.add_argument("--json", action="store_true", help="one line of JSON per fault")
    faults.set_defaults(run=_bench_faults)
