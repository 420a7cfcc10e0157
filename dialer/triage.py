"""One recording through the path a live call takes: audio frames, ASR, live intent scoring."""

from __future__ import annotations

import uuid

from asr.audio import Recording, frames
from asr.engine import AsrEngine
from asr.stage import AsrStage
from intent.classifier import IntentModel
from intent.live import LiveScorer
from tierdial.messages import AudioChunk, FinalTranscript, HangUp, TierDecided
from tierdial.stages import run_chain


def heard_live(recording: Recording, engine: AsrEngine, model: IntentModel, language: str = "") -> list[object]:
    """What a live call's recogniser and scorer make of the recording, frame by frame: transcripts and decisions.
    `language`: what the callee speaks (the engine's main language when empty)."""
    call_id = f"triage-{uuid.uuid4().hex[:12]}"
    stages = [AsrStage(engine, language), LiveScorer(model)]
    out: list[object] = []
    for frame in frames(recording.pcm, recording.sample_rate):
        out += run_chain(stages, [AudioChunk(call_id, frame, recording.sample_rate)])
    return out + run_chain(stages, [HangUp(call_id, "end of recording")])


def triage_recording(
    recording: Recording, engine: AsrEngine, model: IntentModel, language: str = ""
) -> dict[str, object]:
    out = heard_live(recording, engine, model, language)

    transcript = " ".join(m.text for m in out if isinstance(m, FinalTranscript))
    decisions = [m for m in out if isinstance(m, TierDecided)]
    if decisions:
        last = decisions[-1]
        tier, confidence, evidence = last.tier, last.confidence, list(last.evidence)
    else:
        silent = model.classify("")
        tier, confidence, evidence = silent.tier, silent.confidence, list(silent.evidence)
    return {
        "transcript": transcript,
        "tier": tier,
        "confidence": round(confidence, 4),
        "evidence": evidence,
        "tier_history": [{"tier": d.tier, "confidence": round(d.confidence, 4), "text": d.text} for d in decisions],
        "seconds": round(recording.seconds, 2),
        "sample_rate": recording.sample_rate,
        # Under a second pass: the model read an opt-out in the streaming recogniser's reading, not in the final text,
        # so a live call's bot would ask the callee before acting.
        "opt_out_read_otherwise": any(d.is_final and d.opt_out_read_otherwise for d in decisions),
    }
