from __future__ import annotations

import json
from pathlib import Path

import pytest

from asr.engine import AsrEngine
from intent.corpus import bundled_data_dir
from intent.training import train_from_dir
from tests.helpers import SPEECH, PostgresServer


@pytest.fixture(scope="session")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "intent.skops"
    train_from_dir(bundled_data_dir("corpus"), out)
    return out


@pytest.fixture(scope="session")
def intent_model(model_file: Path):
    from intent.store import load_model

    return load_model(model_file)


@pytest.fixture(scope="session")
def asr_engine() -> AsrEngine:
    return AsrEngine(warm_recognizers=2)


@pytest.fixture(scope="session")
def speech_rows() -> list[dict]:
    return [json.loads(line) for line in (SPEECH / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="session")
def postgres_url():
    server = PostgresServer()
    url = server.start()
    yield url
    server.stop()


@pytest.fixture
def cli_env(tmp_path: Path, model_file: Path) -> dict[str, str]:
    """A config in a scratch folder that points at the session's trained model."""
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {tmp_path / 'var'}\nintent:\n  model_path: {model_file}\n", encoding="utf-8")
    return {"TIERDIAL_CONFIG": str(config)}
