"""`tierdial bench live` runs end to end and keeps its JSON contract (its figures live in the README)."""

from __future__ import annotations

import json

import pytest

from tests.helpers import run_cli

pytestmark = pytest.mark.realtime


@pytest.mark.timeout(300)
def test_bench_live_prints_its_figures(cli_env: dict) -> None:
    # Over a narrowband trunk, as most carriers deliver: G.711 mu-law, 8 kHz.
    result = run_cli("bench", "live", "--calls", "2", "--lines", "2", "--codec", "pcmu", "--json", env=cli_env)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout)
    assert {"engine", "takeover_ms", "tier_latency_ms", "max_concurrent_calls", "rtf"} <= set(figures)
    assert figures["engine"] == "pjsua2" and figures["max_concurrent_calls"] >= 1
    assert figures["takeovers_measured"] >= 1 and figures["takeover_ms"]["p50"] >= 0
    assert figures["tier_latency_ms"]["p50"] > 0 and 0 < figures["rtf"] < 1
    assert figures["audio_gaps"]["calls_measured"] >= 1 and isinstance(figures["sustained"], bool)
    assert figures["codecs"] == {"PCMU": 2} and 0 < figures["asr_cpu_per_speech_second"] < 2
    assert figures["asr_cpu_per_call_second"] == figures["rtf"]


def test_bench_live_refuses_more_lines_than_it_can_simulate(cli_env: dict) -> None:
    result = run_cli("bench", "live", "--lines", "99", env=cli_env)
    assert result.returncode == 2 and "--lines must be 1-60" in result.stderr
