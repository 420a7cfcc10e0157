"""Benchmark: the console's live event fan-out to many connected agents, and how soon a browser shows an event.

    .venv/bin/python bench/console_fanout.py [--agents 200] [--events 300] [--rate 50]   # JSON on stdout

`--agents` event-stream clients connect with a token, as agents' pages do, from processes
of their own (so that reading 200 streams does not slow the console it measures); the bus
then publishes `--events` transcript events at `--rate` per second. Each client times every
event from its publication to its arrival (one monotonic clock for all processes). Then
headless Chromium, logged in as an agent beside those clients, times events from
publication to their text on the page.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.accounts import create_account
from console.app import create_app
from console.headless import chromium, log_in
from console.live import LiveFeed
from console.server import serve_in_thread
from console.testing import RecordingControl
from console.tokens import create_token
from tierdial.bus import EventBus
from tierdial.config import parse_config
from tierdial.db import open_database
from tierdial.messages import CallStarted, PartialTranscript

PASSWORD = "a long bench password"  # the one agent's, typed into the log-in page by Chromium


def _listen(port: int, token: str, expected: int, connected: threading.Event, latencies: list[float]) -> None:
    """One agent's event stream: notes how long after its publication each timed event arrived."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", "/api/v1/events", headers={"Authorization": f"Bearer {token}"})
    reply = connection.getresponse()
    connected.set()
    seen = 0
    while seen < expected:
        line = reply.fp.readline()
        if not line:
            return
        if line.startswith(b"data: ") and b'"PartialTranscript"' in line:
            sent_ns = int(json.loads(line[6:])["text"].split()[1])
            latencies.append((time.perf_counter_ns() - sent_ns) / 1e6)
            seen += 1
    connection.close()


def _client_process(port: int, token: str, clients: int, expected: int, ready, results) -> None:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    threads = []
    for _ in range(clients):
        connected = threading.Event()
        thread = threading.Thread(target=_listen, args=(port, token, expected, connected, latencies), daemon=True)
        thread.start()
        connected.wait(60)
        threads.append(thread)
    ready.put(clients)
    for thread in threads:
        thread.join(timeout=300)
    results.put(latencies)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def _browser_latencies(base: str, bus: EventBus, samples: int) -> list[float]:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        log_in(page, base, "ann", PASSWORD)
        page.wait_for_selector("#link:has-text('live')")
        bus.publish(CallStarted("browser-call", "bench", "+82 10 **** 0001"))
        latencies = []
        for index in range(samples):
            marker = f"shown-{index}"
            started = time.perf_counter_ns()
            bus.publish(PartialTranscript("browser-call", f"{marker} {started}", index))
            # A locator, not a JavaScript predicate: the page's policy allows no eval, which predicates need.
            page.locator(".call .transcript", has_text=f"{marker} ").wait_for()
            latencies.append((time.perf_counter_ns() - started) / 1e6)
            time.sleep(0.05)
        return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0, help="events per second")
    parser.add_argument("--browser-samples", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        config = parse_config({"data_dir": data})
        sessions = open_database(config)
        with sessions.begin() as session:
            create_account(session, "ann", "agent", PASSWORD, "bench")
            token = create_token(session, "bench", ["events:read"], "bench")
        bus = EventBus()
        app = create_app(config, LiveFeed(bus, RecordingControl()), sessions)
        server = serve_in_thread(app, "127.0.0.1", 0)
        port = server.server_port
        processes = max(1, min(8, args.agents // 50))
        ready, results = multiprocessing.Queue(), multiprocessing.Queue()
        shares = [args.agents // processes + (i < args.agents % processes) for i in range(processes)]
        clients = [multiprocessing.Process(target=_client_process, args=(port, token, n, args.events, ready, results))
                   for n in shares]  # fmt: skip
        for client in clients:
            client.start()
        with tqdm(total=args.agents, desc="agents connecting", file=sys.stderr) as bar:
            for _ in clients:
                bar.update(ready.get(timeout=120))
        time.sleep(0.5)
        cpu_before, wall_before = os.times(), time.monotonic()
        bus.publish(CallStarted("bench-call", "bench", "+82 10 **** 0002"))
        for index in tqdm(range(args.events), desc="events", file=sys.stderr):
            bus.publish(PartialTranscript("bench-call", f"e{index} {time.perf_counter_ns()}", index))
            time.sleep(max(0.0, wall_before + (index + 1) / args.rate - time.monotonic()))  # on schedule, not drifting
        published_in = time.monotonic() - wall_before
        latencies = [ms for _ in clients for ms in results.get(timeout=300)]
        for client in clients:
            client.join(timeout=30)
        wall = time.monotonic() - wall_before
        cpu_after = os.times()
        browser = _browser_latencies(f"http://127.0.0.1:{port}", bus, args.browser_samples)
        server.shutdown()
    expected = args.agents * args.events
    print(json.dumps({
        "agents": args.agents,
        "events": args.events,
        "events_per_s": round(args.events / published_in, 1),
        "deliveries": len(latencies),
        "delivered_share": round(len(latencies) / expected, 4),
        "deliveries_per_s": round(len(latencies) / wall, 1),
        "latency_ms": {"p50": _percentile(latencies, 0.5), "p95": _percentile(latencies, 0.95),
                       "p99": _percentile(latencies, 0.99), "max": round(max(latencies), 2)},
        "console_cpu_share": round((cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system) / wall, 3),
        "browser_shown_ms": {"p50": _percentile(browser, 0.5), "max": round(max(browser), 2),
                             "mean": round(statistics.fmean(browser), 2)},
        "within_1s": max(latencies) < 1000 and max(browser) < 1000,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
