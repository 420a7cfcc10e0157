"""When a callee asks to be called back ("내일 오후 세 시에", "한 삼십 분 뒤에", "다음 주 화요일에"), the moment they
asked for, on their own clock; None when they named none ("나중에", "이따가"), and the retry rules decide.

Korean only, the language of the recogniser. Transcripts come with the recogniser's spacing, so the text is read
without spaces. Hours are in native numbers (세 시), minutes in Sino-Korean ones (삼십 분), digits either way; an
hour without morning or evening is taken inside office hours (세 시: 15:00, 아홉 시: 09:00).
"""

from __future__ import annotations

import datetime as dt
import re

NATIVE = {"열두": 12, "열한": 11, "열": 10, "아홉": 9, "여덟": 8, "일곱": 7, "여섯": 6, "다섯": 5, "네": 4, "세": 3,
          "두": 2, "한": 1}  # fmt: skip
SINO_DIGITS = {"일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9}
_SINO = r"(?:[이삼사오육칠팔구]?십[일이삼사오육칠팔구]?|[일이삼사오육칠팔구])"
_NATIVE = "|".join(NATIVE)  # longest first: 열두 before 열 before 두
_NUMBER = rf"(\d{{1,2}}|{_NATIVE}|{_SINO})"
_ABOUT = rf"(?:한(?=\d|{_SINO}|{_NATIVE}))?"  # 한 삼십 분: "about thirty minutes"
# What may follow "N시" when it is an hour: a particle, "about", minutes; not another word (네 시끄러워요: "yes, it's
# noisy"). Hours take native numbers or digits only: a Sino one before 시 is too often a verb (오시면: "if you come").
_HOUR_ENDS = r"(?=$|[^가-힣]|에|쯤|정도|경|까지|이후|부터|전|요|로)"

AFTER = re.compile(rf"{_ABOUT}{_NUMBER}(시간|분)(반)?(?:정도|쯤)?(?:후|뒤|있다가|지나서)")
AT_HOUR = re.compile(
    rf"(오전|아침|오후|낮|저녁|밤)?(\d{{1,2}}|{_NATIVE})시(?!간)(?:(반)|(\d{{1,2}}|{_SINO})분)?{_HOUR_ENDS}"
)
PART_OF_DAY = {"아침": (9, 10), "오전": (10, 12), "오후": (14, 18), "저녁": (18, 21), "밤": (20, 21)}  # from, until
DAYS_AHEAD = {"오늘": 0, "내일": 1, "모레": 2}
WEEKDAYS = ["월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일"]
AFTERNOON_WORDS = ("오후", "낮", "저녁", "밤")


def number(word: str) -> int:
    if word.isdigit():
        return int(word)
    if word in NATIVE:
        return NATIVE[word]
    tens, _, units = word.rpartition("십")
    if "십" not in word:
        return SINO_DIGITS[word]
    return (SINO_DIGITS[tens] if tens else 1) * 10 + (SINO_DIGITS[units] if units else 0)


def asked_time(text: str, now: dt.datetime) -> dt.datetime | None:
    """The moment asked for, in `now`'s zone (an aware time on the callee's clock), or None."""
    said = re.sub(r"\s+", "", text)
    if found := AFTER.search(said):
        amount = number(found.group(1)) + (0.5 if found.group(3) else 0)
        return now + (dt.timedelta(hours=amount) if found.group(2) == "시간" else dt.timedelta(minutes=amount))
    day, (clock, part_ends) = _day(said, now.date()), _clock(said)
    if day is None and clock is None:
        return None
    when = dt.datetime.combine(day or now.date(), clock or now.time().replace(second=0, microsecond=0), now.tzinfo)
    if day is None and when <= now:
        if part_ends is not None and now.hour < part_ends:
            return now + dt.timedelta(hours=1)  # "this afternoon", said in the afternoon: a little later
        when += dt.timedelta(days=1)  # "at seven", said after seven: tomorrow's
    return when if when > now else None


def _day(said: str, today: dt.date) -> dt.date | None:
    next_week = "다음주" in said
    for index, name in enumerate(WEEKDAYS):
        if name in said:
            ahead = (index - today.weekday()) % 7 or 7
            if next_week and today.weekday() < index:
                ahead += 7  # 다음 주 목요일 on a Tuesday: not this week's
            return today + dt.timedelta(days=ahead)
    if "주말" in said:
        return today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    if next_week:
        return today + dt.timedelta(days=7 - today.weekday())  # next Monday
    for word, ahead in DAYS_AHEAD.items():
        if word in said:
            return today + dt.timedelta(days=ahead)
    return None


def _clock(said: str) -> tuple[dt.time | None, int | None]:
    """The hour asked for, and for a part of the day named without one, the hour it ends."""
    if found := AT_HOUR.search(said):
        part, hour = found.group(1), number(found.group(2))
        minute = 30 if found.group(3) else number(found.group(4)) if found.group(4) else 0
        if hour > 23 or minute > 59:
            return None, None
        if part in AFTERNOON_WORDS or (part is None and 1 <= hour <= 7):
            hour = hour + 12 if hour < 12 else hour
        return dt.time(hour, minute), None
    for word, (hour, ends) in PART_OF_DAY.items():
        if word in said:
            return dt.time(hour), ends
    return None, None
