"""Benchmark: recognition accuracy and speed on the held-out Korean recordings, 16 kHz vs 8 kHz.

    .venv/bin/python bench/asr_accuracy.py            # JSON on stdout, progress on stderr

8 kHz figures come from the same recordings band-limited to telephone narrowband and
streamed at 8 kHz, as a G.711 call would arrive.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import numpy as np
import soxr
from tqdm import tqdm

from asr.audio import Recording, read_wav
from asr.engine import AsrEngine
from asr.metrics import character_error_rate
from dialer.triage import triage_recording
from intent.corpus import bundled_data_dir, speech_manifest
from intent.training import train_from_dir


def narrowband(recording: Recording) -> Recording:
    samples = np.frombuffer(recording.pcm, dtype=np.int16)
    return Recording(soxr.resample(samples, 16000, 8000).astype(np.int16).tobytes(), 8000)


def main() -> None:
    speech = bundled_data_dir("speech")
    rows = speech_manifest()
    held_out = [row for row in rows if row["split"] == "heldout"]
    started = time.perf_counter()
    engine = AsrEngine(warm_recognizers=1)
    load_seconds = time.perf_counter() - started
    figures: dict[str, object] = {"recordings": len(held_out), "model_load_s": round(load_seconds, 2)}
    for rate in (16000, 8000):
        errors, audio_seconds, busy_seconds = [], 0.0, 0.0
        for row in tqdm(held_out, desc=f"ASR {rate // 1000} kHz", unit="file"):
            recording = read_wav(speech / row["file"])
            recording = recording if rate == 16000 else narrowband(recording)
            tick = time.perf_counter()
            heard = " ".join(f.text for f in engine.transcribe(recording))
            busy_seconds += time.perf_counter() - tick
            audio_seconds += recording.seconds
            errors.append(character_error_rate(row["text"], heard))
        figures[f"cer_{rate // 1000}k"] = round(statistics.mean(errors), 3)
        figures[f"rtf_{rate // 1000}k"] = round(busy_seconds / audio_seconds, 3)
    model, _ = train_from_dir(bundled_data_dir("corpus"), Path("var/bench/intent.skops"))
    right = 0
    for row in tqdm(held_out, desc="triage", unit="file"):
        right += triage_recording(read_wav(speech / row["file"]), engine, model)["tier"] == row["tier"]
    figures["triage_accuracy_16k"] = round(right / len(held_out), 3)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
