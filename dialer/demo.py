"""The demo on embedded defaults: the intent report, then bundled calls triaged and stored."""

from __future__ import annotations

from pathlib import Path

from asr.audio import read_wav
from asr.engine import AsrEngine
from asr.transcripts import record_final
from dialer.triage import triage_recording
from intent.corpus import LANGUAGES, bundled_data_dir, read_jsonl, speech_manifest
from intent.evaluate import evaluate
from intent.history import record_decision
from intent.tiers import MEANING, TIERS
from intent.training import model_for
from tierdial.config import Config
from tierdial.db import make_engine, make_sessions
from tierdial.messages import FinalTranscript, TierDecided
from tierdial.schema import upgrade


def run_demo(config: Config, samples_per_tier: int = 1) -> int:
    engine = make_engine(config.database_url)
    upgrade(engine)
    sessions = make_sessions(engine)
    model = model_for(config)

    print(f"intent model {model.version}, held-out evaluation:")
    for lang in LANGUAGES:
        report = evaluate(model, read_jsonl(bundled_data_dir("heldout") / f"{lang}.jsonl"))
        recall_e = report["per_tier"]["E"]["recall"]
        print(
            f"  {lang}: n={report['n']:<3} accuracy={report['accuracy']:.3f} "
            f"macro-F1={report['macro_f1']:.3f} opt-out recall={recall_e:.3f}"
        )

    speech = bundled_data_dir("speech")
    rows = speech_manifest()
    picked = [
        r
        for tier in TIERS
        for r in [r for r in rows if r["split"] == "heldout" and r["tier"] == tier][:samples_per_tier]
    ]
    asr = AsrEngine.from_config(config.asr, warm_recognizers=1)
    print("\ntriage of held-out Korean recordings (not used in training):")
    right = 0
    for row in picked:
        result = triage_recording(read_wav(speech / row["file"]), asr, model)
        right += result["tier"] == row["tier"]
        mark = "ok " if result["tier"] == row["tier"] else "MISS"
        print(
            f"  {mark} expected {row['tier']} ({MEANING[row['tier']]}), got {result['tier']} "
            f"({result['confidence']:.2f})  said: {row['text']}\n       heard: {result['transcript']}"
            f"  evidence: {', '.join(result['evidence']) or '-'}"
        )
        _store(sessions, row["file"], result, model.version)
    print(
        f"\n{right}/{len(picked)} recordings triaged to the expected tier; "
        f"transcripts and tier decisions stored in {config.database_url}"
    )
    return 0


def _store(sessions, name: str, result: dict, model_version: str) -> None:  # type: ignore[no-untyped-def]
    call_id = f"demo:{Path(name).stem}"
    with sessions.begin() as session:
        record_final(session, FinalTranscript(call_id, str(result["transcript"]), 0, int(result["seconds"] * 1000)))
        for step in result["tier_history"]:
            decided = TierDecided(
                call_id, step["tier"], step["confidence"], tuple(result["evidence"]), step["text"], is_final=True
            )
            record_decision(session, decided, model_version)
