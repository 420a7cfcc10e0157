"""`tierdial bench import`: load a generated list of N contacts, then time the hopper on it.

Figures: rows per second for the import (as `tierdial lists import` runs it, worker
processes included) and the time the hopper takes to serve the next 100 callable
contacts of the loaded campaign, median of repeated runs.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from dialer.campaigns import create_campaign, find_campaign
from dialer.dnc_registry import load_registry
from dialer.hopper import next_callable
from dialer.lists.importer import ListTerms, import_list, import_workers
from dialer.lists.rows import RowReader
from dialer.models import CampaignStatus
from tierdial.config import CampaignDefaults
from tierdial.schema import migrated_database

NOON_IN_SEOUL = dt.datetime(2026, 3, 3, 3, 0, tzinfo=dt.UTC)
NAMES = ["김민지", "王伟", "Alex Kim", "이서준", "陈静", "Maria Lopez"]


def write_list(path: Path, rows: int) -> None:
    """Korean mobile numbers written as people type them, every 50th one repeated, every 200th malformed,
    in no particular order (a sorted file would spare the database's indexes the work a real list gives them)."""
    lines = []
    for i in range(rows):
        n = i - 1 if i % 50 == 49 else i
        phone = f"010-{2000 + n // 10000:04d}-{n % 10000:04d}" if i % 200 != 199 else f"010-{i}"
        lines.append(f"{phone},{NAMES[i % len(NAMES)]},2024-0{1 + i % 9}-15\n")
    random.Random(rows).shuffle(lines)
    with path.open("w", encoding="utf-8") as out:
        out.write("phone,name,customer_since\n")
        out.writelines(lines)


def run_import_bench(rows: int, hopper_runs: int = 20, progress: bool = True) -> dict[str, float | int]:
    from tqdm import tqdm

    with tempfile.TemporaryDirectory(prefix="tierdial-bench-import-") as scratch:
        folder = Path(scratch)
        list_file = folder / "contacts.csv"
        write_list(list_file, rows)
        sessions = migrated_database(f"sqlite:///{folder / 'bench.db'}")
        with sessions.begin() as session:
            create_campaign(session, "bench", CampaignDefaults(), status=CampaignStatus.running)
            load_registry(session, ["010-2000-1*", "010 2001 0000"], "national registry", "KR", actor="bench")
        size = list_file.stat().st_size
        terms = ListTerms("generated for the benchmark", "existing_customer", "KR", list_file.name)
        with (
            list_file.open("rb") as stream,
            tqdm(total=size, unit="B", unit_scale=True, desc="importing", file=sys.stderr, disable=not progress) as bar,
        ):
            started = time.perf_counter()
            report = import_list(
                sessions,
                "bench",
                RowReader(stream, list_file.name, "csv"),
                terms,
                workers=import_workers(size),
                progress=lambda n: bar.update(n - bar.n),
            )
            seconds = time.perf_counter() - started
        timings = []
        with sessions() as session:
            campaign = find_campaign(session, "bench")
            for _ in range(hopper_runs):
                started = time.perf_counter()
                served = next_callable(session, campaign, now=NOON_IN_SEOUL, limit=100)
                timings.append((time.perf_counter() - started) * 1000)
        return {
            "rows": rows,
            "loaded": report.loaded,
            "rejected": report.rejected,
            "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds),
            "hopper_ms": round(statistics.median(timings), 2),
            "hopper_served": len(served),
        }
