"""The independent test set: big enough per tier, apart from every line the team wrote, never trained on."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import intent.corpus
from intent.corpus import LANGUAGES, bundled_data_dir, read_dir, read_jsonl
from intent.independent import independent_dir, read_independent
from intent.text import normalize
from intent.tiers import TIERS
from intent.training import train_from_dir
from tests.helpers import run_cli
from tierdial.errors import UserError

MIN_PER_TIER = 20


def _key(text: str) -> str:
    # Case, punctuation and spacing differ between a line heard and a line written; the words do not.
    return normalize(text).replace(" ", "")


def _rows(lang: str) -> list[dict]:
    path = independent_dir() / f"{lang}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_has_enough_lines_per_tier_each_with_its_source(lang: str) -> None:
    rows = _rows(lang)
    counts = Counter(row["tier"] for row in rows)
    assert [tier for tier in TIERS if counts[tier] < MIN_PER_TIER] == [], counts
    assert all(row["lang"] == lang and row["text"].strip() for row in rows)
    assert all(isinstance(row["source"], str) and len(row["source"]) > 8 for row in rows)
    assert len(read_independent(lang)) == len(rows)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_line_repeats_or_appears_in_the_team_written_sets(lang: str) -> None:
    # Failures name line numbers only: the lines must not reach whoever is writing the corpus.
    keys = [_key(e.text) for e in read_independent(lang)]
    seen: dict[str, int] = {}
    repeated = [n for n, k in enumerate(keys, 1) if not k or seen.setdefault(k, n) != n]
    assert repeated == [], f"{lang}.jsonl lines repeating an earlier line: {repeated}"
    team = [*sorted(bundled_data_dir("corpus").glob("*.jsonl")), *sorted(bundled_data_dir("heldout").glob("*.jsonl"))]
    written = {_key(e.text) for path in team for e in read_jsonl(path)}
    clashes = [n for n, k in enumerate(keys, 1) if k in written]
    assert clashes == [], f"{lang}.jsonl lines also in the corpus or held-out set: {clashes}"


def test_training_reads_the_corpus_folder_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[Path] = []
    original = intent.corpus.read_jsonl

    def recording(path: Path):  # type: ignore[no-untyped-def]
        read.append(path)
        return original(path)

    monkeypatch.setattr(intent.corpus, "read_jsonl", recording)
    read_dir(bundled_data_dir("corpus"))
    corpus = bundled_data_dir("corpus").resolve()
    assert read and all(path.resolve().parent == corpus for path in read)


@pytest.mark.parametrize("name", ["independent", "heldout"])
def test_training_refuses_a_test_set(name: str, tmp_path: Path) -> None:
    with pytest.raises(UserError, match=f"is the {name} test set"):
        train_from_dir(bundled_data_dir(name), tmp_path / "m.skops")
    assert not (tmp_path / "m.skops").exists()


def test_eval_independent_reports_each_language_apart(cli_env: dict) -> None:
    result = run_cli("intent", "eval", "--independent", "--json", env=cli_env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == set(LANGUAGES)
    for lang, row in report.items():
        assert set(row) >= {"n", "accuracy", "macro_f1", "e_recall", "e_as_lead", "e_total", "confusion"}
        assert row["n"] == len(_rows(lang))
        assert row["e_total"] == sum(r["tier"] == "E" for r in _rows(lang))
        assert row["e_as_lead"] == row["confusion"]["E"]["A"] + row["confusion"]["E"]["B"]
        assert 0 <= row["accuracy"] <= 1 and 0 <= row["macro_f1"] <= 1 and 0 <= row["e_recall"] <= 1
    text = run_cli("intent", "eval", "--independent", env=cli_env)
    assert text.returncode == 0, text.stderr
    assert "E->A/B" in text.stdout and all(f"\n{lang} " in text.stdout for lang in LANGUAGES)
    both = run_cli("intent", "eval", "--independent", "--data", "x.jsonl", env=cli_env)
    assert both.returncode == 2 and "not allowed with" in both.stderr
