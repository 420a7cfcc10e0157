"""No log line carries a callee's full number or a secret: the live demo at DEBUG, with people signing in, a script
using its API token, and (on Asterisk) the AMI login, and then its whole log searched."""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import phonenumbers
import pytest

from tests.helpers import ROOT, api_token, require_sandbox_tools
from tierdial.db import make_engine, make_sessions

pytestmark = pytest.mark.realtime

ACCOUNTS = re.compile(r"log in as (\S+) / (\S+) \(agent\) or (\S+) / (\S+) \(supervisor")
ADDED_TO_DNC = "+821099998888"


def _wait_for(path: Path, pattern: re.Pattern[str], process: subprocess.Popen, timeout: float) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := pattern.search(path.read_text(encoding="utf-8")):
            return found
        assert process.poll() is None, f"the demo ended early: {path.read_text(encoding='utf-8')[-3000:]}"
        time.sleep(0.2)
    raise AssertionError(f"not printed within {timeout} s: {pattern.pattern}")


def _request(port: int, method: str, url: str, headers: dict[str, str], body: str | None = None):  # type: ignore[no-untyped-def]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, url, body=body, headers=headers)
    reply = connection.getresponse()
    text = reply.read().decode("utf-8", "replace")
    connection.close()
    return reply, text


def _log_in(port: int, name: str, password: str) -> int:
    reply, page = _request(port, "GET", "/login", {})
    cookie = (reply.getheader("Set-Cookie") or "").split(";")[0]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = urlencode({"name": name, "password": password, "csrf_token": csrf})
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    return _request(port, "POST", "/login", headers, form)[0].status


def _forms(e164: str) -> set[str]:
    """A number as a log line could carry it: E.164 with and without +, national with and without punctuation."""
    national = phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL)
    return {e164, e164.lstrip("+"), national, re.sub(r"\D", "", national)}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("engine", ["pjsua2", "asterisk"])
def test_the_demos_debug_log_holds_no_number_and_no_secret(tmp_path: Path, model_file: Path, engine: str) -> None:
    (tmp_path / "var" / "models").mkdir(parents=True)
    (tmp_path / "var" / "models" / "intent.skops").write_bytes(model_file.read_bytes())
    env = {**os.environ, "TIERDIAL_CONFIG": "", "PYTHONPATH": str(ROOT)}  # this checkout's code, from any folder
    ami_secret = None
    if engine == "asterisk":
        require_sandbox_tools()
        ami_secret = secrets.token_urlsafe(12)
        (tmp_path / "config.yaml").write_text(
            f"engine: asterisk\nasterisk:\n  sandbox: true\n  ami_secret: {ami_secret}\n"
        )
        env["TIERDIAL_CONFIG"] = str(tmp_path / "config.yaml")
    out, log = tmp_path / "out.txt", tmp_path / "log.txt"
    command = [sys.executable, "-m", "station", "--log-level", "DEBUG", "demo", "--contacts", "3",
               "--start-delay", "3"]  # fmt: skip
    with out.open("w") as stdout, log.open("w") as stderr:
        demo = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=stdout, stderr=stderr, text=True)
    try:
        port = int(_wait_for(out, re.compile(r"console: http://127\.0\.0\.1:(\d+)/"), demo, 300).group(1))
        agent, agent_password, supervisor, supervisor_password = _wait_for(out, ACCOUNTS, demo, 30).groups()
        # People sign in (and one mistypes); a script uses its token, and a made-up one.
        assert _log_in(port, agent, agent_password) == 302
        assert _log_in(port, supervisor, supervisor_password + "x") == 401
        assert _log_in(port, supervisor, supervisor_password) == 302
        sessions = make_sessions(make_engine(f"sqlite:///{tmp_path / 'var' / 'demo.db'}"))
        token = api_token(sessions, "campaigns:read", "attempts:read", "dnc:write")
        bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        assert _request(port, "GET", "/api/v1/campaigns", bearer)[0].status == 200
        added = json.dumps({"phone": ADDED_TO_DNC, "reason": "asked by e-mail"})
        assert _request(port, "POST", "/api/v1/dnc", bearer, added)[0].status == 201
        guessed = {"Authorization": f"Bearer tdk_{secrets.token_urlsafe(32)}"}
        assert _request(port, "GET", "/api/v1/campaigns", guessed)[0].status == 401
        assert demo.wait(timeout=400) == 0, log.read_text(encoding="utf-8")[-3000:]
        assert _calls_made(out) == 3, out.read_text(encoding="utf-8")
    finally:
        if demo.poll() is None:
            demo.terminate()
            demo.wait(timeout=30)
    with sqlite3.connect(tmp_path / "var" / "demo.db") as db:
        numbers = [row[0] for row in db.execute("select phone_e164 from contacts")]
        attempts = db.execute("select count(*) from call_attempts").fetchone()[0]
    assert len(numbers) == 3 and attempts >= 3
    logged = log.read_text(encoding="utf-8")
    assert "DEBUG" in logged and "call ended" in logged  # the whole run was logged, at DEBUG
    watched = {form: f"the number {number}" for number in [*numbers, ADDED_TO_DNC] for form in _forms(number)}
    watched |= {agent_password: "agent's password", supervisor_password: "supervisor's password", token: "API token"}
    if ami_secret:
        watched[ami_secret] = "AMI secret"
    leaks = [f"{what}: {line}" for line in logged.splitlines() for text, what in watched.items() if text in line]
    assert not leaks, "\n".join(leaks[:20])


def _calls_made(out: Path) -> int:
    found = re.search(r"^(\d+) calls:", out.read_text(encoding="utf-8"), re.MULTILINE)
    return int(found.group(1)) if found else 0


def test_the_ami_clients_raw_messages_stay_out_of_the_log(caplog: pytest.LogCaptureFixture) -> None:
    from dialer.telephony.asterisk.ami import wire

    caplog.set_level(logging.DEBUG)
    wire.debug("message interpreted: <Message DialString='demo-sim/sip:+821030000001@127.0.0.1:5060'>")
    wire.info('Adding action "originate" to awaiting list: %s', {"Action": "Originate", "Exten": "+821030000001"})
    wire.error("Fail to send %r", {"Action": "Login", "Username": "tierdial", "Secret": "s3cret"})
    wire.error("Action: Login\r\nSecret: s3cret\r\n")
    assert [record.getMessage() for record in caplog.records] == [
        "Fail to send {'Action': 'Login', 'Username': 'tierdial', 'Secret': '***'}",
        "Action: Login\r\nSecret: ***\r\n",
    ]
