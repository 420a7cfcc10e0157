"""Run the Korean training recordings through the recogniser and keep what it heard.

Live input is recogniser output, with its mishearings (전화 heard as 정화, 얼마 as
엄마); training on those transcripts teaches the classifier what callers sound like
after ASR. Writes intent/data/corpus/ko_asr.jsonl. Only training recordings are used:
the held-out ones stay unseen. Lines marked `"source": "written"` (mishearings written by
hand for phrasings that have no recording yet) are kept as they are.
"""

from __future__ import annotations

import json
from pathlib import Path

from tqdm import tqdm

from asr.audio import read_wav
from asr.engine import AsrEngine
from intent.corpus import speech_manifest

ROOT = Path(__file__).resolve().parent.parent
SPEECH = ROOT / "intent" / "data" / "speech"
OUT = ROOT / "intent" / "data" / "corpus" / "ko_asr.jsonl"


def main() -> int:
    rows = speech_manifest()
    training = [row for row in rows if row["split"] == "train"]
    engine = AsrEngine(warm_recognizers=1)
    kept = [row for row in _read(OUT) if row.get("source") == "written"]
    for row in tqdm(training, desc="transcribing", unit="file"):
        heard = " ".join(f.text for f in engine.transcribe(read_wav(SPEECH / row["file"])))
        if heard:
            kept.append({"text": heard, "tier": row["tier"], "lang": "ko", "spoken": row["text"]})
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), encoding="utf-8")
    print(f"{len(kept)} transcripts written to {OUT.relative_to(ROOT)}")
    return 0


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


if __name__ == "__main__":
    raise SystemExit(main())
