"""Run the Korean training recordings through the recogniser and keep what it heard.

Live input is recogniser output, with its mishearings (전화 heard as 정화, 얼마 as
엄마); training on those transcripts teaches the classifier what callers sound like
after ASR. Vosk's go to intent/data/corpus/ko_asr.jsonl; Whisper's, of each recording
at 16 kHz and as a G.711 call carries it (8 kHz, mu-law), to ko_asr_whisper.jsonl.
Only training recordings are used: the held-out ones stay unseen. Lines marked
`"source": "written"` (mishearings written by hand for phrasings that have no recording
yet) are kept as they are.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from asr.audio import Recording, read_wav, telephone_band
from asr.engine import AsrEngine
from intent.corpus import speech_manifest

ROOT = Path(__file__).resolve().parent.parent
SPEECH = ROOT / "intent" / "data" / "speech"
OUTPUTS = {"vosk": "ko_asr.jsonl", "whisper": "ko_asr_whisper.jsonl"}
# Calls at once: Whisper packs the utterances of concurrent calls into one decode window.
CONCURRENT = 16


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=sorted(OUTPUTS), default="vosk")
    args = parser.parse_args()
    training = [row for row in speech_manifest() if row["split"] == "train"]
    engine = AsrEngine(warm_recognizers=1, backend=args.backend)
    jobs = []
    for row in training:
        recording = read_wav(SPEECH / row["file"])
        jobs.append((row, recording))
        if args.backend == "whisper":
            jobs.append((row, telephone_band(recording)))

    def heard(job: tuple[dict, Recording]) -> str:
        return " ".join(f.text for f in engine.transcribe(job[1], call_id=job[0]["file"]))

    with ThreadPoolExecutor(CONCURRENT) as pool:
        texts = list(pool.map(heard, jobs))
    out = ROOT / "intent" / "data" / "corpus" / OUTPUTS[args.backend]
    kept = [row for row in _read(out) if row.get("source") == "written"]
    seen = {(row["text"], row["tier"]) for row in kept}
    for (row, _), text in zip(jobs, texts, strict=True):
        if text and (text, row["tier"]) not in seen:
            seen.add((text, row["tier"]))
            kept.append({"text": text, "tier": row["tier"], "lang": "ko", "spoken": row["text"]})
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), encoding="utf-8")
    print(f"{len(kept)} transcripts written to {out.relative_to(ROOT)}")
    engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
