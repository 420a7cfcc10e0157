"""The live adapter of the recogniser: `AudioChunk` and `HangUp` in, transcripts out."""

from __future__ import annotations

from asr.engine import AsrEngine
from asr.recognizer import AsrStream
from tierdial.messages import AudioChunk, HangUp


class AsrStage:
    def __init__(self, engine: AsrEngine, language: str = "") -> None:
        """`language`: what the callees speak (the engine's main language when empty)."""
        self._engine, self._language = engine, language
        self._streams: dict[str, AsrStream] = {}

    def process(self, message: object) -> list[object]:
        if isinstance(message, AudioChunk):
            stream = self._streams.get(message.call_id)
            if stream is None:
                stream = self._engine.open_stream(message.call_id, message.sample_rate, language=self._language)
                self._streams[message.call_id] = stream
            return list(stream.feed(message.pcm))
        if isinstance(message, HangUp):
            stream = self._streams.pop(message.call_id, None)
            return [*(stream.close() if stream else []), message]
        return [message]
