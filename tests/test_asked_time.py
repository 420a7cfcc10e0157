"""A callee who says when to call back is called back then, on their own clock; one who names no time is left to
the retry rules."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from intent.asked_time import asked_time

SEOUL = ZoneInfo("Asia/Seoul")
TUESDAY_10 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=SEOUL)


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SEOUL)


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("저녁 일곱 시쯤 다시 해 주세요", _at(24, 19)),
        ("내일 오후 세 시에 전화 주세요", _at(25, 15)),
        ("세 시 에 전화 주세요", _at(24, 15)),  # the recogniser's spacing; an hour of the office day
        ("5시 30분에 다시 걸어 주세요", _at(24, 17, 30)),
        ("한 삼십 분 뒤에 다시 걸어 주세요", _at(24, 10, 30)),  # 한: "about"
        ("두 시간 뒤에 전화 주세요", _at(24, 12)),
        ("한 시간 반 뒤에 해 주세요", _at(24, 11, 30)),
        ("아홉 시 반에 해 주세요", _at(25, 9, 30)),  # already past today: tomorrow's
        ("회의 들어가야 해요 오후에 다시 전화 주세요", _at(24, 14)),
        ("지금은 바빠요 내일 연락 주세요", _at(25, 10)),
        ("다음 주 화요일에 다시 연락 주세요", _at(24, 10) + dt.timedelta(days=7)),
        ("오늘은 안 되고 주말에 해 주세요", _at(28, 10)),
        ("다음 주에 해요", _at(30, 10)),
    ],
)
def test_the_time_a_callee_asks_for_is_read_from_what_they_said(said: str, expected: dt.datetime) -> None:
    assert asked_time(said, TUESDAY_10) == expected


@pytest.mark.parametrize(
    "said",
    [
        "지금 운전하고 있어서요 나중에 걸어 주세요",
        "밥 먹고 있어서요 이따 전화 주세요",
        "지금 통화하기 어려워요 다음에 해요",
        "네 시끄러워서 잘 안 들려요",  # "yes, it's noisy": not four o'clock
        "집에 오시면 말씀드릴게요",  # a verb, not five o'clock
    ],
)
def test_no_time_is_made_up_when_none_was_named(said: str) -> None:
    assert asked_time(said, TUESDAY_10) is None


def test_this_afternoon_said_in_the_afternoon_is_a_little_later_the_same_day() -> None:
    three_pm = _at(24, 15)
    assert asked_time("오후에 다시 전화 주세요", three_pm) == _at(24, 16)
    assert asked_time("저녁 일곱 시에 전화 주세요", _at(24, 20)) == _at(25, 19)
