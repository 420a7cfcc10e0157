"""The opt-out rule layer: every phrasing of "stop calling me" we know of, and nothing else."""

from __future__ import annotations

import pytest

from intent.corpus import bundled_data_dir, read_jsonl
from intent.rules import find_opt_out, is_wrong_number

OPT_OUTS = [
    "please stop calling me",
    "Take me OFF your list!",
    "don't ever call this number again",
    "put me on the do not call list",
    "I'll report you",
    "다시는 전화하지 마세요",
    "다시는 정화 하디 마세요",  # as the recogniser often hears it
    "제 번호 지워 주세요",
    "수신 거부 할게요",
    "또 전화하면 신고합니다",
    "别再给我打电话了",
    "把我的号码删掉",
    "我要投诉你们",
]
NOT_OPT_OUTS = [
    "call me back tomorrow",
    "how much does it cost",
    "나중에 다시 전화 주세요",
    "전화 주셔서 감사합니다",
    "晚点再打给我",
    "",
]


@pytest.mark.parametrize("text", OPT_OUTS)
def test_opt_out_phrases_are_caught(text: str) -> None:
    assert find_opt_out(text) is not None


@pytest.mark.parametrize("text", NOT_OPT_OUTS)
def test_ordinary_phrases_are_not(text: str) -> None:
    assert find_opt_out(text) is None


HEARD = ("ko_asr.jsonl", "ko_asr_whisper.jsonl")  # recogniser output (Vosk's, Whisper's), mishearings and all


def test_rules_separate_the_written_corpus() -> None:
    written = [p for folder in ("corpus", "heldout") for p in bundled_data_dir(folder).glob("*.jsonl")]
    for path in written:
        if path.name in HEARD:
            continue
        for example in read_jsonl(path):
            assert (find_opt_out(example.text) is not None) == (example.tier == "E"), (path.name, example)


@pytest.mark.parametrize("name", HEARD)
def test_rules_on_what_the_recogniser_heard(name: str) -> None:
    """No false opt-out ever; most real ones caught even when misheard (the model covers the rest)."""
    heard = read_jsonl(bundled_data_dir("corpus") / name)
    caught = [find_opt_out(e.text) is not None for e in heard if e.tier == "E"]
    assert not [e.text for e in heard if e.tier != "E" and find_opt_out(e.text)]
    assert sum(caught) / len(caught) >= 0.70


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("잘못 거셨어요", True),
        ("잘못 것인 것 같아요", True),  # 잘못 거신 것 같아요, as the recogniser heard it
        ("잠옷 것 이었어요", True),  # 잘못 거셨어요, as it heard it
        ("그런 분들께 드리는 혜택이 뭐예요", False),
        ("역시 그런 사람 는데요", True),  # 여기 그런 사람 없는데요
        ("저그 사람 아니 에 요", True),
        ("그분 이 번호 한세 옆 번호 바뀌었 어요", True),
        ("업 는 펀허 입니다 - 확인 해 주세요", True),  # 없는 번호입니다: the carrier
        ("you have the wrong number", True),
        ("打错了", True),
        ("여보세요 여보세요 안 들려요", False),  # unreachable, not a wrong number: tried again
        ("한국말 잘 못해요", False),
        ("음성 사서함입니다 메시지를 녹음해 주세요", False),
    ],
)
def test_a_wrong_number_is_told_from_other_unreachable_calls(text: str, wrong: bool) -> None:
    assert is_wrong_number(text) is wrong
