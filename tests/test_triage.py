"""`tierdial triage`: held-out Korean recordings through the live call path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from asr.audio import read_wav
from asr.engine import AsrEngine
from dialer.triage import triage_recording
from intent.classifier import IntentModel
from tests.helpers import SPEECH, run_cli, write_wav


def test_held_out_recordings_get_the_right_tier(intent_model: IntentModel, speech_rows: list[dict]) -> None:
    # Its own recogniser pool, as a freshly started ASR service has: pooled Vosk recognisers carry a little
    # state from earlier audio, and other tests feed the shared pool phone-quality and narrowband audio.
    asr_engine = AsrEngine(warm_recognizers=1)
    held_out = [r for r in speech_rows if r["split"] == "heldout"]
    assert len(held_out) >= 48
    results = [(row, triage_recording(read_wav(SPEECH / row["file"]), asr_engine, intent_model)) for row in held_out]
    right = sum(result["tier"] == row["tier"] for row, result in results)
    missed = [
        (row["text"], result["transcript"], result["tier"]) for row, result in results if result["tier"] != row["tier"]
    ]
    assert right / len(results) >= 0.80, missed
    missed_opt_outs = [
        (row["text"], result["transcript"], result["tier"], result["tier_history"])
        for row, result in results
        if row["tier"] == "E" and result["tier"] != "E"
    ]
    assert missed_opt_outs == []


def test_cli_json_contract(cli_env: dict, speech_rows: list[dict]) -> None:
    row = next(r for r in speech_rows if r["split"] == "heldout" and r["tier"] == "E")
    result = run_cli("triage", str(SPEECH / row["file"]), "--json", env=cli_env)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert set(output) == {"transcript", "tier", "confidence", "evidence"}
    assert output["tier"] == "E" and output["transcript"] and output["evidence"]
    assert 0 < output["confidence"] <= 1


def test_cli_bad_recordings_exit_nonzero_with_a_reason(tmp_path: Path, cli_env: dict) -> None:
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF....WAVEfmt garbage")
    cd_quality = write_wav(tmp_path / "cd.wav", np.zeros(44100, np.int16), 44100)
    cases = [
        (tmp_path / "missing.wav", "file not found"),
        (corrupt, "not a readable WAV"),
        (cd_quality, "sample rate 44100 Hz is not supported"),
    ]
    for path, message in cases:
        result = run_cli("triage", str(path), "--json", env=cli_env)
        assert result.returncode == 2, path
        assert message in result.stderr and result.stdout == ""


def test_silence_is_unreachable(tmp_path: Path, cli_env: dict) -> None:
    silent = write_wav(tmp_path / "silence.wav", np.zeros(16000 * 2, np.int16), 16000)
    result = run_cli("triage", str(silent), "--json", env=cli_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["tier"] == "F"


def test_an_english_recording_is_heard_as_an_english_campaign_would(tmp_path: Path, cli_env: dict) -> None:
    from tests.helpers import spoken_wav

    said = spoken_wav(tmp_path / "stop.wav", "en-us", "Please stop calling me. Take my number off your list.")
    result = run_cli("triage", str(said), "--language", "en", "--json", env=cli_env)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["tier"] == "E" and "calling" in output["transcript"].lower(), output
