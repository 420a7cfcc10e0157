"""What one ASR process holds: the model and its recogniser pool. Opens streams."""

from __future__ import annotations

import threading
from pathlib import Path

from asr.audio import Recording, frames, read_wav
from asr.recognizer import AsrStream, RecognizerPool
from asr.vosk_model import load_model
from asr.vosk_recogniser import VoskRecogniser
from tierdial.messages import FinalTranscript

# A few seconds of speech: a recogniser's first seconds of decoding run several times slower than the rest.
WARM_UP = Path(__file__).with_name("warm_up.wav")


def _stream_through(stream: AsrStream, recording: Recording) -> list[FinalTranscript]:
    """A whole recording, in 20 ms frames exactly as a call's audio would come; the stream is closed after."""
    results = [r for frame in frames(recording.pcm, recording.sample_rate) for r in stream.feed(frame)]
    results += stream.close()
    return [r for r in results if isinstance(r, FinalTranscript)]


class AsrEngine:
    def __init__(self, model_path: Path | None = None, warm_recognizers: int = 2) -> None:
        model = load_model(model_path)
        self.pool = RecognizerPool(lambda: VoskRecogniser(model), size=warm_recognizers)

    def warm_up(self) -> None:
        """Decode a short recording on every pooled recogniser, so the first calls are not transcribed at a
        fraction of the speed. Each recogniser builds its own cache of the decoding graph as it goes."""
        recording = read_wav(WARM_UP)
        streams = [self.open_stream(f"warm-up-{n}", recording.sample_rate) for n in range(self.pool.size)]
        threads = [threading.Thread(target=_stream_through, args=(stream, recording)) for stream in streams]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def open_stream(self, call_id: str, input_rate: int, speaker: str = "callee") -> AsrStream:
        return AsrStream(call_id, self.pool, input_rate, speaker)

    def transcribe(self, recording: Recording, call_id: str = "recording") -> list[FinalTranscript]:
        """The final transcripts of a whole recording, streamed as a call's audio would be."""
        return _stream_through(self.open_stream(call_id, recording.sample_rate), recording)
