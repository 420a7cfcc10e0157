"""Benchmark: recognition and triage of the held-out Korean recordings, at 16 kHz and as G.711 calls carry them.

    .venv/bin/python bench/asr_accuracy.py [--backend auto|vosk|whisper|vosk+whisper] [--calls 8]

JSON on stdout: per rate, the character error rate of the final transcripts, the share of
recordings triaged to their tier, opt-out (E) recall, and the CPU the recogniser took: CPU
seconds of the whole process per second of call audio and per second of speech (what the
speech gate let through). With two passes, `opt_out_questions`: recordings not triaged E where the model read an
opt-out in Vosk's reading, on which a live call asks the callee first (opt-outs so reached; others asked for
nothing). The 8 kHz figures come from the same recordings resampled to
8 kHz and through mu-law and back, streamed at 8 kHz. `--calls` recordings are triaged at
once, as concurrent calls are: Whisper packs their utterances into shared windows. The
intent model is trained first, outside the timed part. Read the load average beside the
CPU figures: on a busy machine they grow.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from asr.audio import read_wav, telephone_band
from asr.engine import AsrEngine
from asr.metrics import character_error_rate
from dialer.triage import triage_recording
from intent.corpus import bundled_data_dir, speech_manifest
from intent.training import train_from_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="auto", choices=["auto", "vosk", "whisper", "vosk+whisper"])
    parser.add_argument("--calls", type=int, default=8, help="recordings triaged at once (default 8)")
    args = parser.parse_args()
    speech = bundled_data_dir("speech")
    held_out = [row for row in speech_manifest() if row["split"] == "heldout"]
    with tempfile.TemporaryDirectory() as folder:
        model, _ = train_from_dir(bundled_data_dir("corpus"), Path(folder) / "intent.skops")
    started = time.perf_counter()
    engine = AsrEngine(warm_recognizers=1, backend=args.backend)
    figures: dict[str, object] = {
        "backend": engine.backend,
        "recordings": len(held_out),
        "calls_at_once": args.calls,
        "model_load_s": round(time.perf_counter() - started, 2),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    for rate in (16000, 8000):

        def triage(row: dict, rate: int = rate) -> dict:
            recording = read_wav(speech / row["file"])
            return triage_recording(recording if rate == 16000 else telephone_band(recording), engine, model)

        cpu, speech_before = time.process_time(), engine.whisper.load.speech_seconds if engine.whisper else 0.0
        with ThreadPoolExecutor(args.calls) as pool:
            results = list(pool.map(triage, held_out))
        cpu = time.process_time() - cpu
        audio = sum(r["seconds"] for r in results)
        spoken = engine.whisper.load.speech_seconds - speech_before if engine.whisper else 0.0
        pairs = list(zip(held_out, results, strict=True))
        opt_outs = [(row, r) for row, r in pairs if row["tier"] == "E"]
        k = f"{rate // 1000}k"
        figures[f"cer_{k}"] = round(
            statistics.mean(character_error_rate(row["text"], r["transcript"]) for row, r in pairs), 3
        )
        figures[f"tier_accuracy_{k}"] = round(sum(r["tier"] == row["tier"] for row, r in pairs) / len(pairs), 3)
        figures[f"opt_out_recall_{k}"] = f"{sum(r['tier'] == 'E' for _, r in opt_outs)}/{len(opt_outs)}"
        if engine.whisper is not None:
            # Where only the streaming reading holds an opt-out, a live call asks the callee: of the opt-outs missed,
            # how many that question would reach; of the rest, how many it would ask for nothing.
            asked = [(row, r) for row, r in pairs if r["opt_out_read_otherwise"] and r["tier"] != "E"]
            figures[f"opt_out_questions_{k}"] = {
                "missed_opt_outs_asked": sum(row["tier"] == "E" for row, _ in asked),
                "others_asked": sum(row["tier"] != "E" for row, _ in asked),
            }
        figures[f"asr_cpu_per_call_second_{k}"] = round(cpu / audio, 3)
        if spoken:
            figures[f"asr_cpu_per_speech_second_{k}"] = round(cpu / spoken, 3)
    figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    engine.close()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
