"""Training variants of each utterance: how people really start and trail off.

Callers hesitate ("음", "um", "嗯") and the recogniser drops or keeps those fillers
at random, so the model sees each utterance with and without them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from intent.corpus import Example

_FILLERS = {
    "ko": ["음", "어", "아", "저기", "네"],
    "en": ["um", "uh", "well", "oh", "so"],
    "zh": ["嗯", "那个", "啊", "哦", "就是"],
}


def augment(examples: Sequence[Example], seed: int = 13, copies: int = 2) -> list[Example]:
    rng = random.Random(seed)
    out = list(examples)
    for example in examples:
        fillers = _FILLERS.get(example.lang or "")
        if not fillers:
            continue
        for _ in range(copies):
            out.append(Example(f"{rng.choice(fillers)} {example.text}", example.tier, example.lang))
    return out
