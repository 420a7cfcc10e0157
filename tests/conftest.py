from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from asr.engine import AsrEngine
from intent.corpus import bundled_data_dir, speech_manifest
from intent.training import train_from_dir
from tests.helpers import ROOT, PostgresServer, asterisk_config, require_sandbox_tools
from tierdial import processes
from tierdial.processes import stop_service


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
    return speech_manifest()


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


def _start(command: list[str], ready: str) -> tuple[subprocess.Popen, tuple[str, int]]:
    return processes.start_service(command, ready, cwd=ROOT)


@pytest.fixture(scope="session")
def asr_service():
    process, address = _start(["asr", "serve", "--port", "0"], "listening on")
    yield address
    stop_service(process)


@pytest.fixture
def start_service():
    """Start any tierdial service command for one test; returns its address, stops it afterwards."""
    started: list[subprocess.Popen] = []
    outputs: dict[int, str] = {}

    def start(*command: str, ready: str = "listening on") -> tuple[tuple[str, int], Callable[[], str]]:
        process, address = _start(list(command), ready)
        started.append(process)

        def stop() -> str:
            if process.pid not in outputs:
                outputs[process.pid] = stop_service(process)
            return outputs[process.pid]

        return address, stop

    yield start
    for process in started:
        if process.pid not in outputs:
            stop_service(process)


@pytest.fixture(scope="session")
def asterisk():  # type: ignore[no-untyped-def]
    """A sandbox Asterisk for the session, configured as `tierdial asterisk config` would from a configuration with
    the trunk "sim" and agent1's phone; yields the sandbox, its AMI address and that configuration."""
    from dialer.telephony.asterisk.ami import AmiAddress
    from dialer.telephony.asterisk.sandbox import sandbox_for

    require_sandbox_tools()
    with sandbox_for(asterisk_config()) as (config, sandbox):
        yield sandbox, AmiAddress.of(config.asterisk), config
