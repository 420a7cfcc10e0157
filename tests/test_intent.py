"""The six-tier classifier: held-out quality, the eval contract, persistence, live scoring."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from skops import io as skops_io

from intent.classifier import IntentModel, is_clear_opt_out
from intent.corpus import LANGUAGES, bundled_data_dir, read_jsonl
from intent.live import LiveScorer
from intent.store import load_model
from intent.tiers import TIERS
from tests.helpers import run_cli
from tierdial.errors import UserError
from tierdial.messages import FinalTranscript, PartialTranscript, TierDecided


@pytest.mark.parametrize("lang", LANGUAGES)
def test_held_out_quality_per_language(lang: str, cli_env: dict) -> None:
    data = bundled_data_dir("heldout") / f"{lang}.jsonl"
    result = run_cli("intent", "eval", "--data", str(data), "--json", env=cli_env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"n", "accuracy", "macro_f1", "per_tier", "confusion"}
    assert set(report["per_tier"]) == set(TIERS) and set(report["confusion"]["A"]) == set(TIERS)
    assert set(report["per_tier"]["A"]) == {"precision", "recall", "f1", "support"}
    assert report["n"] >= 60
    assert report["macro_f1"] >= 0.85
    assert report["per_tier"]["E"]["recall"] >= 0.99


def test_malformed_jsonl_names_the_line(tmp_path: Path, cli_env: dict) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text('{"text": "yes please", "tier": "A"}\n\n{"text": "stop", "tier": "E"\n', encoding="utf-8")
    result = run_cli("intent", "eval", "--data", str(data), env=cli_env)
    assert result.returncode == 2
    assert f"{data}:3: not valid JSON" in result.stderr
    data.write_text('{"text": "maybe", "tier": "G"}\n', encoding="utf-8")
    result = run_cli("intent", "eval", "--data", str(data), env=cli_env)
    assert result.returncode == 2 and ":1: \"tier\" must be one of A, B, C, D, E, F (got 'G')" in result.stderr


def test_train_command_shows_progress_and_saves_a_versioned_model(tmp_path: Path, cli_env: dict) -> None:
    out = tmp_path / "m.skops"
    result = run_cli("intent", "train", "--out", str(out), env=cli_env)
    assert result.returncode == 0, result.stderr
    assert "training" in result.stderr and "100%" in result.stderr  # the progress bar
    model = load_model(out)
    assert len(model.version) == 12 and model.version in result.stdout


def test_a_model_file_with_foreign_types_is_refused(tmp_path: Path) -> None:
    evil = tmp_path / "evil.skops"
    skops_io.dump({"format": 1, "version": "x", "pipeline": Path("/etc/passwd")}, evil)
    with pytest.raises(UserError, match="refused to load"):
        load_model(evil)
    garbage = tmp_path / "garbage.skops"
    garbage.write_bytes(b"not a zip")
    with pytest.raises(UserError, match="not a readable tierdial model"):
        load_model(garbage)


def test_decisions_carry_confidence_and_evidence(intent_model: IntentModel) -> None:
    decision = intent_model.classify("네 좋아요 지금 바로 신청할게요")
    assert decision.tier == "A" and 0 < decision.confidence <= 1
    assert decision.evidence and all(word in "네 좋아요 지금 바로 신청할게요" for word in decision.evidence)
    assert not decision.by_rule and decision.rule is None
    opt_out = intent_model.classify("I'm not interested, stop calling me")
    assert opt_out.tier == "E" and opt_out.by_rule and "stop calling" in opt_out.evidence[0]
    assert opt_out.rule == "opt_out" and opt_out.as_dict()["rule"] == "opt_out"
    silence = intent_model.classify("   ")
    assert silence.tier == "F"
    # "I think you have the wrong number", misheard over a call as "pyjamas...": a wrong number by rule, not a hot lead.
    wrong = intent_model.classify("잠옷 것인 것 같아요")
    assert wrong.tier == "F" and wrong.by_rule and wrong.evidence == ("잠옷것",) and wrong.rule == "wrong_number"


def test_every_misheard_opt_out_in_training_comes_out_e(intent_model: IntentModel) -> None:
    heard = [e for e in read_jsonl(bundled_data_dir("corpus") / "ko_asr.jsonl") if e.tier == "E"]
    assert [d.tier for d in intent_model.classify_many([e.text for e in heard])] == ["E"] * len(heard)


def test_live_scoring_follows_the_turn_and_opt_out_holds(intent_model: IntentModel) -> None:
    scorer = LiveScorer(intent_model)
    out = scorer.process(PartialTranscript("c1", "how much", 400))
    assert out[0].text == "how much" and isinstance(out[1], TierDecided) and not out[1].is_final
    decided = [
        m
        for m in scorer.process(FinalTranscript("c1", "how much does it cost per month", 0, 2000))
        if isinstance(m, TierDecided)
    ]
    assert decided[-1].tier == "B" and decided[-1].is_final  # a price question: warm, interested with a question
    decided = [
        m
        for m in scorer.process(FinalTranscript("c1", "actually no stop calling me", 2500, 4000))
        if isinstance(m, TierDecided)
    ]
    assert decided[-1].tier == "E"
    scorer.new_turn("c1")
    decided = [
        m for m in scorer.process(FinalTranscript("c1", "yes sign me up", 5000, 6000)) if isinstance(m, TierDecided)
    ]
    assert decided[-1].tier == "E"  # once opted out, for good
    later = scorer.process(PartialTranscript("c1", "how much is the premium plan", 7000))
    assert scorer.current("c1").tier == "E" and not [m for m in later if isinstance(m, TierDecided)]
    # An opt-out heard only in a partial that the recogniser then revises does not hold.
    scorer.process(PartialTranscript("c3", "stop calling", 100))
    assert scorer.current("c3").tier == "E"
    revised = scorer.process(FinalTranscript("c3", "stop by my office and tell me the price", 0, 900))
    assert [m.tier for m in revised if isinstance(m, TierDecided)] != ["E"]
    # A partial that does not change the tier is not re-announced.
    scorer.process(PartialTranscript("c2", "I'm driving", 100))
    assert [
        m for m in scorer.process(PartialTranscript("c2", "I'm driving right", 200)) if isinstance(m, TierDecided)
    ] == []


def test_an_opt_out_rule_heard_in_the_other_recognisers_reading_is_honoured(intent_model: IntentModel) -> None:
    """Under a second pass the final text is Whisper's; Vosk's reading of the same utterance rides along, and an
    opt-out it heard in so many words counts, while nothing else in it changes the tier."""
    scorer = LiveScorer(intent_model)
    heard = FinalTranscript("c1", "지금 좀 바빠서요", 0, 900, other_readings=("전화 하지 마세요",))
    decided = [m for m in scorer.process(heard) if isinstance(m, TierDecided)]
    assert decided[-1].tier == "E" and decided[-1].by_rule and decided[-1].is_final
    later = FinalTranscript("c1", "네 신청할게요", 1000, 1900)
    assert [m.tier for m in scorer.process(later) if isinstance(m, TierDecided)] == ["E"]  # held for the call
    # Another reading that is no opt-out leaves the final's own tier.
    busy = FinalTranscript("c2", "지금 좀 바빠서요", 0, 900, other_readings=("네 신청할게요",))
    plain = FinalTranscript("c3", "지금 좀 바빠서요", 0, 900)
    tiers = [[m.tier for m in scorer.process(f) if isinstance(m, TierDecided)] for f in (busy, plain)]
    assert tiers[0] == tiers[1] and "E" not in tiers[0]
    # An opt-out only the model reads in the other reading is not acted on: the decision says so, and the bot asks.
    model_only = "우리 집에 전화 오지 않게 해 줘요"
    assert (intent_model.classify(model_only).tier, intent_model.classify(model_only).by_rule) == ("E", False)
    doubt = FinalTranscript("c4", "지금 좀 바빠서요", 0, 900, other_readings=(model_only,))
    [decided] = [m for m in scorer.process(doubt) if isinstance(m, TierDecided)]
    assert decided.tier != "E" and decided.opt_out_read_otherwise
    assert not any(m.opt_out_read_otherwise for m in scorer.process(plain) if isinstance(m, TierDecided))


@pytest.mark.parametrize(
    ("p_opt_out", "p_runner_up", "acted_on"),
    [(0.65, 0.3, True), (0.48, 0.15, True), (0.51, 0.43, False), (0.35, 0.1, False)],
)
def test_a_model_only_opt_out_needs_confidence_or_a_clear_lead(
    p_opt_out: float, p_runner_up: float, acted_on: bool
) -> None:
    # Misheard speech the model reads as opt-out three times likelier than anything else is an opt-out;
    # "다시 전화 주세요" heard as "다 정화 주세요" (E 0.51, C 0.43) is too close to call and stays C.
    assert is_clear_opt_out(p_opt_out, p_runner_up) is acted_on


def test_a_faint_opt_out_never_falls_back_to_a_lead(intent_model: IntentModel) -> None:
    # Opt-out 0.45 over a hot 0.35 is not clear enough to act on, and too likely to offer to an agent: the next
    # tier that is not a lead is taken instead.
    order = {tier: i for i, tier in enumerate(intent_model.pipeline.classes_)}
    faint = np.zeros(len(order))
    for tier, p in {"A": 0.35, "B": 0.05, "C": 0.04, "D": 0.08, "E": 0.45, "F": 0.03}.items():
        faint[order[tier]] = p
    decision = intent_model._decide("음", faint)
    assert (decision.tier, decision.by_rule) == ("D", False)
