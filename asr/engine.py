"""What one ASR process holds: the model and its recogniser pool. Opens streams."""

from __future__ import annotations

from pathlib import Path

from asr.audio import Recording, frames
from asr.recognizer import AsrStream, RecognizerPool
from asr.vosk_model import load_model
from tierdial.messages import FinalTranscript


class AsrEngine:
    def __init__(self, model_path: Path | None = None, warm_recognizers: int = 2) -> None:
        self.pool = RecognizerPool(load_model(model_path), size=warm_recognizers)

    def open_stream(self, call_id: str, input_rate: int, speaker: str = "callee") -> AsrStream:
        return AsrStream(call_id, self.pool, input_rate, speaker)

    def transcribe(self, recording: Recording, call_id: str = "recording") -> list[FinalTranscript]:
        """A whole recording, streamed in 20 ms frames exactly as a call's audio would be."""
        stream = self.open_stream(call_id, recording.sample_rate)
        results = [r for frame in frames(recording.pcm, recording.sample_rate) for r in stream.feed(frame)]
        results += stream.close()
        return [r for r in results if isinstance(r, FinalTranscript)]
