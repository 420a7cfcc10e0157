from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from asr.engine import AsrEngine
from intent.corpus import bundled_data_dir, speech_manifest
from intent.training import train_from_dir
from tests.helpers import ROOT, PostgresServer, free_port, free_udp_port, free_udp_range
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
    """A sandbox Asterisk for the session, with tierdial's configuration, on free loopback ports."""
    from dialer.telephony.asterisk.ami import AmiAddress
    from dialer.telephony.asterisk.confgen import asterisk_files
    from dialer.telephony.asterisk.sandbox import AsteriskSandbox, SandboxPorts, ensure_root

    if shutil.which("sipp") is None:
        pytest.fail("sipp is missing: run scripts/setup.sh --test (installs sip-tester)")
    if os.geteuid() != 0 and shutil.which("sudo") is None:
        pytest.fail("the sandbox Asterisk needs root or sudo (debootstrap, chroot)")
    ami = AmiAddress("127.0.0.1", free_port(), "tierdial", "test-secret")
    rtp = free_udp_range(40)
    ports = SandboxPorts(ami=ami.port, sip=free_udp_port(), rtp_start=rtp, rtp_end=rtp + 39)
    with AsteriskSandbox(ensure_root(), ports, asterisk_files(ami, "127.0.0.1", ports.sip)) as sandbox:
        yield sandbox, ami
