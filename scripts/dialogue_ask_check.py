"""Whether callee lines make the bot ask before an opt-out, as a call hears them: each line rendered by the test
voice at three speeds (or a recording as it is), heard by the recogniser at 16 kHz, at 16 kHz with a few 20 ms frames
lost (a loaded machine's call), and, unless --wide-only, at 8 kHz and at 8 kHz through G.711 mu-law (a narrowband
trunk; the test callees and both engines speak G.722, 16 kHz); scored turn by turn as `intent.live` scores a call.
A hearing passes when the turn's first final utterance, the one the call acts on, lands in the ask band: no rule
decides it, the model does not say E, and `dialer.optout_check.should_ask` holds. Exit status 1 when a hearing fails.

How the opening line of tests/test_opt_out_confirmation.py's live callees was chosen; run again after the corpus,
the rules or the renderer change. Lossy and narrowband hearings garble Kokoro's speech far more than a live call
does: a line that passes every clean hearing and most lossy ones is as good as was found.

    python -m station intent train --out /tmp/m.skops
    python scripts/dialogue_ask_check.py /tmp/m.skops "이제 그만해도 될 것 같은데요" ...
    python scripts/dialogue_ask_check.py /tmp/m.skops --wav intent/data/speech/dialogue/ko_no_need_any_more.wav
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soxr

from asr.audio import Recording, read_wav, telephone_band
from asr.engine import AsrEngine
from dialer.optout_check import should_ask
from dialer.speech_render import OUTPUT_RATE, Kokoro
from dialer.triage import heard_live
from intent.classifier import IntentModel
from intent.store import load_model
from tierdial.messages import FinalTranscript, TierDecided

SPEEDS = (0.9, 1.0, 1.1)
NARROW_RATE = 8_000
LOSSY_HEARINGS = 3
LOST_FRAMES = 0.04


def lossy(audio: np.ndarray, seed: int) -> np.ndarray:
    """A loaded machine's call: a few 20 ms frames lost and filled with silence, now and then several in a row."""
    frame = OUTPUT_RATE // 50
    out = audio.copy()
    rng = np.random.default_rng(seed)
    for start in range(0, len(out), frame):
        if rng.random() < LOST_FRAMES:
            out[start : start + frame * int(rng.integers(1, 4))] = 0.0
    return out


def pcm(audio: np.ndarray) -> bytes:
    return (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16).tobytes()


def hearings(audio: np.ndarray, narrow: bool) -> Iterator[tuple[str, Recording]]:
    yield "16k", Recording(pcm(audio), OUTPUT_RATE)
    for seed in range(LOSSY_HEARINGS):
        yield f"16k-lossy-{seed}", Recording(pcm(lossy(audio, seed)), OUTPUT_RATE)
    if not narrow:
        return
    low = soxr.resample(audio, OUTPUT_RATE, NARROW_RATE)
    yield "8k", Recording(pcm(low), NARROW_RATE)
    yield "8k-ulaw", telephone_band(Recording(pcm(audio), OUTPUT_RATE))


def first_final(recording: Recording, engine: AsrEngine, model: IntentModel) -> tuple[str, TierDecided | None]:
    """Everything heard, and the turn's first final decision: the one a call acts on (or asks on)."""
    out = heard_live(recording, engine, model)
    heard = " | ".join(m.text for m in out if isinstance(m, FinalTranscript))
    return heard, next((m for m in out if isinstance(m, TierDecided) and m.is_final), None)


def verdict(heard: str, decided: TierDecided | None, model: IntentModel) -> dict[str, object]:
    if decided is None:
        return {"heard": heard, "asks": False}
    probabilities = model.probabilities(decided.text)
    asks = decided.tier != "E" and not decided.by_rule and should_ask(probabilities)
    ranked = sorted(probabilities.items(), key=lambda kv: -kv[1])[:2]
    return {
        "heard": heard,
        "first_final": decided.text,
        "tier": decided.tier,
        "by_rule": decided.by_rule,
        "top_two": [(tier, round(p, 2)) for tier, p in ranked],
        "asks": asks,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("lines", nargs="*", help="Korean lines to render and check")
    parser.add_argument("--wav", type=Path, action="append", default=[], help="check a recording as it is instead")
    parser.add_argument("--wide-only", action="store_true", help="16 kHz only: both engines' calls run on G.722")
    args = parser.parse_intermixed_args()
    model = load_model(args.model)
    engine = AsrEngine(warm_recognizers=1)
    failed = []
    sources: list[tuple[str, str, np.ndarray]] = []
    for path in args.wav:
        recording = read_wav(path)
        audio = np.frombuffer(recording.pcm, dtype=np.int16).astype(np.float32) / 32767
        sources.append((str(path), "as recorded", audio))
    if args.lines:
        kokoro = Kokoro()
        sources += [
            (line, f"speed {speed}", kokoro.speak_korean(line, speed)) for line in args.lines for speed in SPEEDS
        ]
    for name, rendering, audio in sources:
        for path, recording in hearings(audio, narrow=not args.wide_only):
            row = {"line": name, "rendering": rendering, "path": path}
            row |= verdict(*first_final(recording, engine, model), model)
            print(json.dumps(row, ensure_ascii=False), flush=True)
            if not row["asks"]:
                failed.append(name)
    for name in dict.fromkeys(name for name, _, _ in sources):
        print(f"{'FAIL' if name in failed else 'ok  '} {name}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
