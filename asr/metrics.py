"""Recognition accuracy measures."""

from __future__ import annotations


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Edit distance over characters, spaces ignored (Korean spacing is loose), per reference character."""
    ref, hyp = reference.replace(" ", ""), hypothesis.replace(" ", "")
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        current = [i]
        for j, h in enumerate(hyp, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / max(1, len(ref))
