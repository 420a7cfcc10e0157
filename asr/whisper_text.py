"""Whisper's output made fit for a transcript, pure: no model here.

Several utterances (of several calls) are decoded in one window with silence between
them; `split` hands each word back to the utterance it lies in. Whisper fails in known
ways, checked here: it loops, repeating a phrase over and over (collapsed; an utterance
that still compresses too well is dropped), and it invents fluent text on silence or
noise (a segment it thinks holds no speech and is unsure of is dropped, as are words
that fall in the silence between utterances).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

from asr.backend import Heard, HeardWord
from tierdial.hanzi import to_simplified

# Whisper's own thresholds for "no speech here" and for a looping decode.
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
# Below this a segment is dropped whatever Whisper thought of the speech in it: the text is guesswork.
GUESSWORK_LOGPROB = -2.0
MAX_COMPRESSION_RATIO = 2.4
# A word Whisper itself gives under this chance is made up (on noise it writes "1" at 0.005).
MIN_WORD_PROBABILITY = 0.05
MIN_REPEATS = 3  # a phrase said three times running is a loop; twice ("네 네") is how people talk
MAX_LOOP_WORDS = 8
# Whisper's word times drift by a frame or two: a word this close to an utterance's edge is still its own.
EDGE_SLACK_S = 0.25
_PUNCTUATION = re.compile(r"[.,?!;:…\"“”。，、？！；：]")


@dataclass(frozen=True, slots=True)
class Segment:
    """What Whisper decoded for a stretch of a window: its words with times in the window, and its confidence."""

    words: tuple[HeardWord, ...]
    no_speech_prob: float
    avg_logprob: float


def trustworthy(segment: Segment) -> bool:
    if segment.avg_logprob < GUESSWORK_LOGPROB:
        return False
    return not (segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob < LOW_LOGPROB)


def split(segments: Sequence[Segment], spans: Sequence[tuple[float, float]]) -> list[list[HeardWord]]:
    """Each trustworthy word to the utterance whose span (start, end, seconds into the window) holds its middle,
    with times from that utterance's start; words in the silence between utterances belong to none."""
    out: list[list[HeardWord]] = [[] for _ in spans]
    if not spans:
        return out
    for segment in segments:
        if not trustworthy(segment):
            continue
        for word in segment.words:
            if word.confidence < MIN_WORD_PROBABILITY:
                continue
            middle = (word.start_s + word.end_s) / 2
            distance, index = min((max(start - middle, middle - end, 0.0), i) for i, (start, end) in enumerate(spans))
            if distance > EDGE_SLACK_S:
                continue
            start, end = spans[index]
            begin = min(max(word.start_s, start), end) - start
            finish = max(begin, min(word.end_s, end) - start)
            out[index].append(HeardWord(word.text, begin, finish, word.confidence))
    return out


def _key(word: HeardWord) -> str:
    return _PUNCTUATION.sub("", word.text).strip()


def without_loops(words: Sequence[HeardWord]) -> list[HeardWord]:
    """A run of the same phrase repeated `MIN_REPEATS` times or more, kept once."""
    kept = list(words)
    for n in range(1, MAX_LOOP_WORDS + 1):
        i = 0
        while i + n * MIN_REPEATS <= len(kept):
            phrase = [_key(w) for w in kept[i : i + n]]
            repeats = 1
            while [_key(w) for w in kept[i + repeats * n : i + (repeats + 1) * n]] == phrase:
                repeats += 1
            if repeats >= MIN_REPEATS:
                del kept[i + n : i + repeats * n]
            i += 1
    return kept


def compression_ratio(text: str) -> float:
    data = text.encode()
    return len(data) / len(zlib.compress(data)) if data else 0.0


def heard(words: Sequence[HeardWord], language: str = "") -> Heard:
    """An utterance's words as its transcript: loops collapsed, punctuation gone; empty if it still looks like one.
    Mandarin comes out in simplified characters whichever script Whisper chose for it."""
    if language == "zh":
        words = [replace(w, text=to_simplified(w.text)) for w in words]
    kept = [w for w in without_loops(words) if _key(w)]
    text = " ".join("".join(_PUNCTUATION.sub("", w.text) for w in kept).split())
    if not text or compression_ratio(text) > MAX_COMPRESSION_RATIO:
        return Heard("")
    return Heard(text, tuple(HeardWord(_key(w), w.start_s, w.end_s, w.confidence) for w in kept))
