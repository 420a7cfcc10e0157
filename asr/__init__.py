"""Speech recognition: streaming Vosk partials, Whisper finals, model loading, the ASR service."""
