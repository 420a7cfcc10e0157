from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from asr.engine import AsrEngine
from intent.corpus import bundled_data_dir, speech_manifest
from intent.training import train_from_dir
from tests.helpers import ROOT, PostgresServer, asterisk_config, require_sandbox_tools
from tierdial import processes

# Every run searches afresh, and a failure prints the blob that replays it (`@reproduce_failure`). Hypothesis loads
# its own "ci" profile when a CI variable is set, and that one fixes the examples (`derandomize`): a CI run would then
# try the same ones every time and never look further.
settings.register_profile("tierdial", derandomize=False, print_blob=True)
settings.load_profile("tierdial")


@pytest.fixture(scope="session")
def model_file(request: pytest.FixtureRequest) -> Path:
    """The classifier trained on the bundled corpus, once for every test run and worker that has the same corpus and
    training code: training takes half a minute, and the suite runs in more than one process."""
    sources = [*sorted(bundled_data_dir("corpus").glob("*.jsonl")), *sorted((ROOT / "intent").glob("*.py"))]
    key = hashlib.sha256(b"".join(path.read_bytes() for path in sources)).hexdigest()[:16]
    out = request.config.cache.mkdir("intent-model") / f"{key}.skops"
    if not out.exists():
        partial = out.with_name(f"{key}.{os.getpid()}.partial")
        train_from_dir(bundled_data_dir("corpus"), partial)
        os.replace(partial, out)  # whole or absent: another worker may be training the same model
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
def postgres_server():
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    return postgres_server.new_database("shared")


@pytest.fixture
def cli_env(tmp_path: Path, model_file: Path) -> dict[str, str]:
    """A config in a scratch folder that points at the session's trained model."""
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {tmp_path / 'var'}\nintent:\n  model_path: {model_file}\n", encoding="utf-8")
    return {"TIERDIAL_CONFIG": str(config)}


def _start(command: list[str], ready: str) -> processes.Service:
    return processes.start_service(command, ready, cwd=ROOT)


@pytest.fixture(scope="session")
def asr_service():
    service = _start(["asr", "serve", "--port", "0"], "listening on")
    yield service.address
    service.stop()


@pytest.fixture
def start_service(request: pytest.FixtureRequest):
    """Start any tierdial service command for one test; returns its address and a stop that returns its stdout.
    What a service wrote on stderr is shown with a failing test's report."""
    started: list[processes.Service] = []
    request.node.tierdial_services = started
    outputs: dict[int, str] = {}

    def start(*command: str, ready: str = "listening on") -> tuple[tuple[str, int], Callable[[], str]]:
        service = _start(list(command), ready)
        started.append(service)

        def stop() -> str:
            if service.pid not in outputs:
                outputs[service.pid] = service.stop()
            return outputs[service.pid]

        return service.address, stop

    yield start
    for service in started:
        if service.pid not in outputs:
            service.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for service in getattr(item, "tierdial_services", []):
            if errors := service.errors():
                report.sections.append((f"stderr of `tierdial {' '.join(service.process.args[3:])}`", errors))


@pytest.fixture(scope="session")
def asterisk():  # type: ignore[no-untyped-def]
    """A sandbox Asterisk for the session, configured as `tierdial asterisk config` would from a configuration with
    the trunk "sim" and agent1's phone; yields the sandbox, its AMI address and that configuration."""
    from dialer.telephony.asterisk.ami import AmiAddress
    from dialer.telephony.asterisk.sandbox import sandbox_for

    require_sandbox_tools()
    with sandbox_for(asterisk_config()) as (config, sandbox):
        yield sandbox, AmiAddress.of(config.asterisk), config


@pytest.fixture
def served_console(console_server):  # type: ignore[no-untyped-def]
    """The console over HTTP for a browser, fed by a bus, with a stand-in dialer that records the commands it gets;
    accounts ann (agent) and sam (supervisor). Yields its address, the bus and the stand-in."""
    server, bus, control = console_server
    return f"http://127.0.0.1:{server.server_port}", bus, control


@pytest.fixture
def console_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    """`served_console`'s web server itself, the bus and the stand-in: a test may stop the server under the page."""
    from console.app import create_app
    from console.live import LiveFeed
    from console.server import serve_in_thread
    from console.testing import RecordingControl
    from tests.helpers import add_account, migrated_sessions
    from tierdial.bus import EventBus
    from tierdial.config import parse_config

    sessions = migrated_sessions(tmp_path / "console.db")
    add_account(sessions, "ann", "agent")
    add_account(sessions, "sam", "supervisor")
    bus, control = EventBus(), RecordingControl()
    app = create_app(parse_config({"data_dir": str(tmp_path)}), LiveFeed(bus, control), sessions)
    server = serve_in_thread(app, "127.0.0.1", 0)
    yield server, bus, control
    server.shutdown()
