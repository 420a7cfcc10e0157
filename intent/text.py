"""Text normalisation shared by the rules, the model and the evidence finder."""

from __future__ import annotations

import itertools
import re
import unicodedata

from tierdial.hanzi import to_simplified

_PUNCTUATION = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    text = to_simplified(unicodedata.normalize("NFKC", text).lower())
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", text)).strip()


def is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af"


def candidate_phrases(text: str, longest: int = 4) -> list[str]:
    """Words, word pairs and, inside unspaced Chinese or Korean runs, short substrings."""
    words = normalize(text).split()
    phrases = list(words)
    phrases += [f"{a} {b}" for a, b in itertools.pairwise(words)]
    for word in words:
        if len(word) > 2 and all(is_cjk(c) for c in word):
            phrases += [word[i : i + n] for n in range(2, longest + 1) for i in range(len(word) - n + 1)]
    return list(dict.fromkeys(p for p in phrases if p))
