"""Streaming speech recognition with Vosk: model loading, recognizer pool, the ASR service."""
