"""Pinyin with tone numbers ("ni3 hao3") as the phonemes Kokoro-82M speaks Mandarin in: IPA-like initials and
finals, the tone as an arrow after the syllable (1 →, 2 ↗, 3 ↓, 4 ↘, 5 or none: neutral), as Kokoro's own Mandarin
front end writes them.

Mandarin prompts are voiced from a pinyin reading, not from their characters: espeak-ng 1.51 (Debian 12) turns
characters into pinyin and then reads the tone digits as English numbers ("ni3" as "ni three"), and nothing else in
the project reads characters aloud. Write tone sandhi as spoken (不要 bu2yao4, 了解 liao2jie3).
"""

from __future__ import annotations

import re

from tierdial.errors import UserError

SYLLABLE = re.compile(r"([a-zü]+?)([1-5])")
WORD = re.compile(r"(?:[a-zü]+[1-5])+")
TONES = {"1": "→", "2": "↗", "3": "↓", "4": "↘", "5": ""}
# Longest first: zh before z.
INITIALS = (
    ("zh", "ꭧ"), ("ch", "ꭧʰ"), ("sh", "ʂ"), ("b", "p"), ("p", "pʰ"), ("m", "m"), ("f", "f"), ("d", "t"), ("t", "tʰ"),
    ("n", "n"), ("l", "l"), ("g", "k"), ("k", "kʰ"), ("h", "x"), ("j", "ʨ"), ("q", "ʨʰ"), ("x", "ɕ"), ("r", "ɻ"),
    ("z", "ʦ"), ("c", "ʦʰ"), ("s", "s"),
)  # fmt: skip
FINALS = {
    "a": "a", "ai": "ai", "an": "an", "ang": "aŋ", "ao": "au", "e": "ɤ", "ei": "ei", "en": "ən", "eng": "əŋ",
    "er": "ɚ", "o": "wo", "ong": "ʊŋ", "ou": "ou",
    "i": "i", "ia": "ja", "ian": "jɛn", "iang": "jaŋ", "iao": "jau", "ie": "je", "in": "in", "ing": "iŋ",
    "iong": "jʊŋ", "iou": "jou", "iu": "jou",
    "u": "u", "ua": "wa", "uai": "wai", "uan": "wan", "uang": "waŋ", "uei": "wei", "ui": "wei", "uen": "wən",
    "un": "wən", "ueng": "wəŋ", "uo": "wo",
    "ü": "y", "üan": "ɥɛn", "üe": "ɥe", "ün": "yn",
}  # fmt: skip


def is_pinyin(word: str) -> bool:
    """One or more syllables, each with its tone number: "ni3", "zhe4li3"."""
    return WORD.fullmatch(word.lower().replace("v", "ü")) is not None


def _final(initial: str, rest: str) -> str:
    """The final as the tables spell it, from the way pinyin writes it after `initial`."""
    if initial == "y":  # yi, ya -> ia, yu -> ü, yue -> üe
        return "ü" + rest[1:] if rest.startswith("u") else rest if rest.startswith("i") else "i" + rest
    if initial == "w":  # wu, wa -> ua, wei -> uei
        return rest if rest.startswith("u") else "u" + rest
    if initial in ("j", "q", "x") and rest.startswith("u"):  # ju is jü
        return "ü" + rest[1:]
    return rest


def syllable(spelled: str, tone: str) -> str:
    initial, phoneme = next(((p, ipa) for p, ipa in (*INITIALS, ("y", ""), ("w", "")) if spelled.startswith(p)),
                            ("", ""))  # fmt: skip
    rest = spelled[len(initial) :]
    if rest == "i" and initial in ("zh", "ch", "sh", "r"):
        vowel = "ɻ"  # the "i" of zhi, chi, shi, ri
    elif rest == "i" and initial in ("z", "c", "s"):
        vowel = "ɹ"  # the "i" of zi, ci, si
    else:
        vowel = FINALS.get(_final(initial, rest), "")
    if not vowel:
        raise UserError(f"{spelled}{tone!s} is not a pinyin syllable")
    return phoneme + vowel + TONES[tone]


def pinyin_phonemes(word: str) -> str:
    """A word of pinyin syllables ("zhe4li3") as Kokoro's phonemes ("ꭧɤ↘li↓")."""
    if not is_pinyin(word):
        raise UserError(f"{word!r} is not pinyin with tone numbers (ni3 hao3)")
    return "".join(syllable(spelled, tone) for spelled, tone in SYLLABLE.findall(word.lower().replace("v", "ü")))
