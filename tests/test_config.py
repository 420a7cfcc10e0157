from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_cli
from tierdial.config import ASR_BACKENDS, load_config, parse_config
from tierdial.errors import UserError


def test_defaults_are_the_compliance_limits() -> None:
    config = parse_config({})
    defaults = config.campaign_defaults
    assert defaults.abandon_cap == 0.03
    assert (defaults.calling_window.start, defaults.calling_window.end) == (time(8), time(21))
    assert defaults.ring_timeout_seconds >= 15
    assert defaults.retry_hours.abandoned >= 72
    assert config.database_url.startswith("sqlite:///")


def test_shipped_config_file_is_valid() -> None:
    config = load_config(ROOT / "config.yaml")
    assert config.caller_numbers[0].number == "+82234567890"  # normalised to E.164
    assert config.data_dir == ROOT / "var"


@pytest.mark.parametrize(
    ("data", "key", "hint"),
    [
        ({"campaign_defaults": {"abandon_cap": 0.05}}, "campaign_defaults.abandon_cap", "0.03"),
        ({"campaign_defaults": {"calling_window": {"start": "07:00"}}}, "calling_window", "08:00-21:00"),
        ({"campaign_defaults": {"ring_timeout_seconds": 10}}, "ring_timeout_seconds", "15"),
        ({"campaign_defaults": {"retry_hours": {"abandoned": 24}}}, "retry_hours.abandoned", "72"),
        ({"campaign_defaults": {"pacing": "turbo"}}, "campaign_defaults.pacing", "tierdial"),
        ({"campaing_defaults": {}}, "campaing_defaults", "unknown key"),
        ({"asr": {"thread": 2}}, "asr.thread", "unknown key"),
        ({"asr": {"backend": "kaldi"}}, "asr.backend", "vosk+whisper"),
        ({"asr": {"max_connections": 0}}, "asr.max_connections", "1"),
        ({"asr": {"nice": -5}}, "asr.nice", "0"),
        ({"asterisk": {"audio_max_streams": 0}}, "asterisk.audio_max_streams", "1"),
        ({"engine": "freeswitch"}, "engine", "pjsua2"),
        ({"console": {"port": 70000}}, "console.port", "65535"),
        ({"engine": "asterisk"}, "asterisk.ami_secret", "engine is asterisk"),
        ({"asterisk": {"ami_port": 0}}, "asterisk.ami_port", "1"),
    ],
)
def test_bad_values_are_refused_with_the_key_named(data: dict, key: str, hint: str) -> None:
    with pytest.raises(UserError) as error:
        parse_config(data, "config.yaml")
    assert key in str(error.value)
    assert hint in str(error.value)


def test_the_asr_engine_refuses_a_backend_the_schema_does_not_name() -> None:
    from asr.engine import AsrEngine

    with pytest.raises(UserError) as error:
        AsrEngine(backend="kaldi")  # type: ignore[arg-type]
    assert all(name in str(error.value) for name in ASR_BACKENDS)


def _numbers(**number: object) -> dict:
    entry = {"number": "+82 2 3456 7890", "trunk": "t", "region": "KR", "owned": True, **number}
    return {"trunks": [{"name": "t", "uri": "sip:127.0.0.1:5070"}], "caller_numbers": [entry]}


def test_caller_numbers_must_be_owned_valid_and_on_a_known_trunk() -> None:
    assert parse_config(_numbers()).caller_numbers[0].number == "+82234567890"
    for bad, expected in [
        ({"owned": False}, "caller_numbers.0.owned"),
        ({"number": "12345"}, "not a phone number"),
        ({"number": "+82 2 1"}, "not a valid phone number"),
        ({"trunk": "elsewhere"}, "not in trunks"),
    ]:
        with pytest.raises(UserError, match=expected):
            parse_config(_numbers(**bad))


def test_cli_reports_a_typo_and_exits_nonzero(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("campaign_defaults:\n  abandon_cap: 0.1\n  max_attempt_per_day: 3\n", encoding="utf-8")
    result = run_cli("--config", str(config), "config", "check")
    assert result.returncode == 2
    assert "campaign_defaults.abandon_cap" in result.stderr
    assert "campaign_defaults.max_attempt_per_day: unknown key" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_reports_broken_yaml_and_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("asr: [unclosed\n", encoding="utf-8")
    result = run_cli("--config", str(broken), "config", "check")
    assert result.returncode == 2 and "not valid YAML" in result.stderr
    result = run_cli("--config", str(tmp_path / "absent.yaml"), "config", "check")
    assert result.returncode == 2 and "not found" in result.stderr
