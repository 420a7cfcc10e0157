"""Chinese in one script: traditional characters folded to simplified.

Callees in Taiwan and Hong Kong write in traditional characters, and Whisper writes Mandarin in either script from one
utterance to the next, while the corpus, the rules and the console's Mandarin campaigns use simplified. OpenCC's
phrase-aware table does the folding (a character whose simplified form depends on the word, like 乾 in 乾淨 and
乾隆, is folded by the word it is in); text in other scripts passes through unchanged.
"""

from __future__ import annotations

from functools import cache

import opencc


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")  # loaded once: the dictionaries take a few milliseconds to read


def to_simplified(text: str) -> str:
    return _converter().convert(text) if text else text
