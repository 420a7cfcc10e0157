"""Shared test helpers: running the CLI, free ports, a real PostgreSQL server, waiting for what a test expects."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import io
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
import wave
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from asr.audio import ToModelRate, read_wav
from station.postgres_sandbox import PostgresServer  # noqa: F401  (tests import it from here)
from tierdial.ports import free_port, free_udp_port, free_udp_range  # noqa: F401  (tests import them from here)

ROOT = Path(__file__).resolve().parent.parent
SPEECH = ROOT / "intent" / "data" / "speech"
T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Asks `predicate` until its answer is true, and returns that answer; fails naming `what` once `timeout`
    seconds have passed without it."""
    deadline = time.monotonic() + timeout
    while not (answer := predicate()):
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        time.sleep(interval)
    return answer


def run_cli(
    *args: str, cwd: Path | None = None, env: dict | None = None, timeout: int = 300, input_text: str | None = None
):  # type: ignore[no-untyped-def]
    """Run `tierdial ...` as a user would, in a fresh process."""
    command = [sys.executable, "-m", "station", *args]
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        command, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout, input=input_text
    )


def write_wav(path: Path, samples: np.ndarray, rate: int, channels: int = 1, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


# For tests that dial: noon in Seoul, where the simulated callees live, so the calling window is open.
NOON_IN_SEOUL = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)


def dialling_config(trunk_port: int, workers: int = 2, **extra: object):  # type: ignore[no-untyped-def]
    """A configuration whose trunk is a simulator on this machine, with one owned caller number."""
    from tierdial.config import parse_config

    return parse_config(
        {
            "sip": {"workers": workers},
            "trunks": [{"name": "sim", "uri": f"sip:127.0.0.1:{trunk_port}"}],
            "caller_numbers": [{"number": "+82 2 3456 7890", "trunk": "sim", "region": "KR", "owned": True}],
            **extra,
        }
    )


def require_sandbox_tools() -> None:
    if shutil.which("sipp") is None:
        raise AssertionError("sipp is missing: run scripts/setup.sh --test (installs sip-tester)")
    if os.geteuid() != 0 and shutil.which("sudo") is None:
        raise AssertionError("the sandbox Asterisk needs root or sudo (debootstrap, chroot)")


def asterisk_config(trunk: dict | None = None, **asterisk: object):  # type: ignore[no-untyped-def]
    """A configuration for the Asterisk engine with one trunk (default "sim", whose calls name their own address)
    and agent1's phone (secret "agent1-secret")."""
    from tierdial.config import parse_config

    trunk = trunk or {"name": "sim", "uri": "sip:127.0.0.1:5060"}
    return parse_config(
        {
            "engine": "asterisk",
            "asterisk": {"sandbox": True, **asterisk},
            "trunks": [trunk],
            "caller_numbers": [{"number": "+82 2 3456 7890", "trunk": trunk["name"], "region": "KR", "owned": True}],
            "agents": [{"name": "agent1", "sip_secret": "agent1-secret"}],
        }
    )


def seed_campaign(sessions, name: str, phones: list[str]) -> int:  # type: ignore[no-untyped-def]
    """A running campaign, calling 09:00-20:00, with one list of the numbers loaded as any list is; returns its id."""
    from dialer.campaigns import create_campaign
    from dialer.lists.importer import ListTerms, import_list
    from dialer.lists.rows import RowReader
    from dialer.models import CampaignStatus
    from tierdial.config import CampaignDefaults

    defaults = CampaignDefaults(calling_window={"start": "09:00", "end": "20:00"})
    with sessions.begin() as s:
        campaign_id = create_campaign(s, name, defaults, status=CampaignStatus.running).id
    rows = io.BytesIO(("phone\n" + "\n".join(phones) + "\n").encode())
    terms = ListTerms("test fixture", "existing_customer", "KR", f"{name}.csv", imported_by="test")
    report = import_list(sessions, campaign_id, RowReader(rows, f"{name}.csv", "csv"), terms)
    assert report.rejected == 0, report.rejections
    return campaign_id


def migrated_sessions(path: Path):  # type: ignore[no-untyped-def]
    """Sessions on a SQLite file with every migration applied, as `tierdial db upgrade` leaves it."""
    from tierdial.schema import migrated_database

    return migrated_database(f"sqlite:///{path}")


# Calls and what was heard on them --------------------------------------------------------------
def messages_until(messages: queue.Queue[object], done: Callable[[object], bool], timeout: float = 15) -> list[object]:
    """Messages up to and including the first that `done` accepts."""
    seen: list[object] = []
    deadline = time.monotonic() + timeout
    while not seen or not done(seen[-1]):
        seen.append(messages.get(timeout=max(0.1, deadline - time.monotonic())))
    return seen


def spoken_wav(path: Path, voice: str, text: str) -> Path:
    """`text` said by `voice` (espeak-ng's, or kokoro:LANGUAGE: callee speech in a language with no recordings
    here), as a 16 kHz WAV."""
    from dialer.sim.spoken import say_to_wav

    return say_to_wav(text, voice, path)


def heard_pcm(path: Path) -> np.ndarray:
    recording = read_wav(path)
    return np.frombuffer(ToModelRate(recording.sample_rate).convert(recording.pcm, last=True), np.int16).astype(float)


def best_correlation(heard: np.ndarray, sent: np.ndarray) -> float:
    """The highest normalised correlation of `sent` with any stretch of `heard` as long as it."""
    if len(heard) < len(sent):
        return 0.0
    size = 1 << int(np.ceil(np.log2(len(heard) + len(sent))))
    dots = np.fft.irfft(np.fft.rfft(heard, size) * np.conj(np.fft.rfft(sent, size)), size)[: len(heard) - len(sent) + 1]
    energy = np.concatenate([[0.0], np.cumsum(heard**2)])
    window = np.sqrt(np.maximum(energy[len(sent) :] - energy[: -len(sent)], 1e-9))
    return float(np.max(dots / (window * np.linalg.norm(sent))))


def pieces_heard(heard: np.ndarray, sent: np.ndarray, seconds: float = 0.25) -> list[float]:
    """Each quarter second of speech in `sent`, matched on its own in `heard`: a jitter buffer may trim or stretch
    a few milliseconds on the way, which shifts what follows, so the whole is not compared at once."""
    size = int(16000 * seconds)
    pieces = (sent[i : i + size] for i in range(0, len(sent) - size + 1, size))
    return [best_correlation(heard, piece) for piece in pieces if np.sqrt((piece**2).mean()) > 300]


def thread_ids(pid: int) -> list[int]:
    """The ids of a process's threads: on Linux each is a process id to the scheduling calls (its own priority)."""
    return [int(task.name) for task in Path(f"/proc/{pid}/task").iterdir()]


# Asterisk ------------------------------------------------------------------------------------------
SIPP_SCENARIOS = Path(__file__).parent / "sipp"


def sipp(scenario: str, *args: str, port: int = 0) -> subprocess.Popen[bytes]:
    """One sipp call on 127.0.0.1 (`port`, or a free one) playing tests/sipp/`scenario`; stderr says what failed."""
    command = ["sipp", "-sf", str(SIPP_SCENARIOS / scenario), "-i", "127.0.0.1", "-p", str(port or free_udp_port())]
    return subprocess.Popen([*command, "-m", "1", "-nostdin", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@contextlib.contextmanager
def following_calls(config, asr_address: tuple[str, int], trunk: str | None = None):  # type: ignore[no-untyped-def]
    """Calls through the Asterisk `config` points at, with the messages they produce, transcripts included."""
    from asr.client import AsrAudio
    from dialer.telephony.asterisk.ami import AmiAddress
    from dialer.telephony.asterisk.confgen import ANSWERED_CONTEXT
    from dialer.telephony.asterisk.follower import CallFollower
    from dialer.telephony.asterisk.tap_server import TapServer

    messages: queue.Queue[object] = queue.Queue()
    taps = TapServer(AsrAudio(*asr_address), messages.put, realtime_priority=config.asterisk.realtime_priority)
    taps.serve_in_thread()
    follower = CallFollower(AmiAddress.of(config.asterisk), messages.put, taps, ANSWERED_CONTEXT, trunk).start()
    try:
        yield follower, messages
    finally:
        follower.stop()
        taps.shutdown()
        taps.server_close()  # its prompt player process ends with it


@contextlib.contextmanager
def call_stream(realtime_priority: int = 0):  # type: ignore[no-untyped-def]
    """A tap server and one call's stream into it (call id "call"), connected as Asterisk connects it: what the
    server plays into the call arrives on the socket."""
    from asr import audiosocket as wire
    from asr.client import AsrAudio
    from dialer.telephony.asterisk.tap_server import TapServer

    taps = TapServer(AsrAudio("127.0.0.1", free_port()), lambda message: None, realtime_priority=realtime_priority)
    taps.serve_in_thread()
    stream = str(uuid.uuid4())
    taps.expect(stream, "call")
    host, port = taps.address.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port))) as connection:
            connection.sendall(wire.encode_uuid(stream))
            yield taps, connection
    finally:
        taps.shutdown()
        taps.server_close()


class FramesHeard:
    """What Asterisk receives on a call's stream, frame by frame (the payloads)."""

    def __init__(self, connection) -> None:  # type: ignore[no-untyped-def]
        from asr import audiosocket as wire

        self.connection, self.frames = connection, list[bytes]()
        self._parser = wire.FrameParser({wire.KIND_SLIN16})
        connection.settimeout(10)  # a recv that waits longer fails the test

    def until(self, enough: Callable[[list[bytes]], bool]) -> list[bytes]:
        while not enough(self.frames):
            self.frames += [frame.payload for frame in self._parser.feed(self.connection.recv(65536))]
        return self.frames


# Console ------------------------------------------------------------------------------------------
PASSWORD = "a long test password"


def api_token(sessions, *scopes: str) -> str:  # type: ignore[no-untyped-def]
    """A live API token with these scopes, as a script would be given."""
    from console.tokens import create_token

    with sessions.begin() as session:
        return create_token(session, "tests", list(scopes), "tests")


def add_account(sessions, name: str, role: str) -> None:  # type: ignore[no-untyped-def]
    from console.accounts import create_account

    with sessions.begin() as session:
        create_account(session, name, role, PASSWORD, "tests")


def signed_in(app, name: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """A test client logged in through the log-in form; returns it and its CSRF token."""
    import re

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    reply = client.post("/login", data={"name": name, "password": password, "csrf_token": csrf})
    assert reply.status_code == 302, reply.get_data(as_text=True)
    # Log-in starts a new session, and with it a new CSRF token: read it from a page, as the browser does.
    page = client.get("/").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return client, csrf


def policy_call(tmp_path: Path, model, phone: str = "+821020001001", url: str | None = None, held_records=None):  # type: ignore[no-untyped-def]
    """The call policy alone: a call flow on a fresh database (SQLite, or the empty one at `url`), its engine a
    `RecordingEngine`, and a call dialled to the one contact of a campaign. Returns the flow, the sessions, the engine
    and the call id. `held_records`: the flow's `HeldRecords`, if any."""
    from sqlalchemy import select

    from dialer.call_flow import CallFlow
    from dialer.models import Contact
    from number_pool.pool import sync_numbers
    from tierdial.bus import EventBus
    from tierdial.schema import migrated_database

    sessions = migrated_database(url) if url else migrated_sessions(tmp_path / "policy.db")
    campaign_id = seed_campaign(sessions, "policy", [phone])
    with sessions() as s:
        contact_id = s.scalars(select(Contact.id)).one()
    config = dialling_config(5060, data_dir=str(tmp_path))
    with sessions.begin() as s:
        sync_numbers(s, config.caller_numbers)
    flow = CallFlow(config, sessions, model, EventBus(), held_records=held_records)
    flow.engine = engine = RecordingEngine()
    return flow, sessions, engine, flow.dial("policy", campaign_id, contact_id, phone, "+82234567890")


class RecordingEngine:
    """Stands in for a telephony engine in tests of the call policy alone: keeps what the call flow asked of it."""

    def __init__(self) -> None:
        self.played: list[str] = []
        self.hung_up: list[str] = []
        self.agent_legs: list[str] = []  # rung for agents' phones, in order

    def originate(self, dial: object) -> None:
        pass

    def play(self, call_id: str, wav: Path, prompt: str) -> None:
        self.played.append(prompt)

    def hangup(self, call_id: str) -> None:
        self.hung_up.append(call_id)

    def connect_agent(self, agent: str, uri: str) -> str:
        from dialer.telephony.legs import LegKind, new_leg

        self.agent_legs.append(leg := new_leg(LegKind.agent, agent))
        return leg


class WebhookReceiver(http.server.ThreadingHTTPServer):
    """A CRM's endpoint on loopback: answers each path with the statuses queued for it (then 200), keeps requests."""

    def __init__(self, answers: dict[str, list[int]]) -> None:
        self.answers: dict[str, list[int]] = answers
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        super().__init__(("127.0.0.1", 0), _WebhookHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _WebhookHandler(http.server.BaseHTTPRequestHandler):
    server: WebhookReceiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, dict(self.headers), body))
        queued = self.server.answers.get(self.path, [])
        self.send_response(queued.pop(0) if queued else 200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass
