"""Who may do what in the console: log-in, roles, CSRF, lockout, tokens and the first admin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from console.accounts import set_password, unlock
from console.app import create_app
from console.live import LiveFeed
from console.testing import RecordingControl
from tests.helpers import PASSWORD, add_account, api_token, migrated_sessions, run_cli, signed_in
from tierdial.bus import EventBus
from tierdial.config import parse_config


@pytest.fixture
def console(tmp_path: Path):  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(tmp_path / "console.db")
    for name, role in (("ann", "agent"), ("sam", "supervisor"), ("ada", "admin")):
        add_account(sessions, name, role)
    control = RecordingControl()
    app = create_app(parse_config({"data_dir": str(tmp_path)}), LiveFeed(EventBus(), control), sessions)
    return app, sessions, control


def _log_in(client, name: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return client.post("/login", data={"name": name, "password": password, "csrf_token": csrf})


def test_every_page_and_endpoint_wants_a_signed_in_person_or_a_token(console) -> None:  # type: ignore[no-untyped-def]
    app, _, control = console
    anonymous = app.test_client()
    assert anonymous.get("/").status_code == 302 and "/login" in anonymous.get("/").headers["Location"]
    assert anonymous.get("/supervisor").status_code == 302
    for method, url in (("GET", "/api/v1/events"), ("GET", "/api/v1/pacing"), ("GET", "/api/v1/campaigns"),
                        ("POST", "/api/v1/calls/c1/takeover"), ("POST", "/api/v1/calls/c1/hangup"),
                        ("POST", "/api/v1/dnc"), ("GET", "/metrics"), ("GET", "/api/v1/imports/1")):  # fmt: skip
        reply = anonymous.open(url, method=method, json={"agent": "ann"})
        assert reply.status_code == 401 and reply.json["error"] == "unauthorized", url
    assert control.taken == []
    assert anonymous.get("/healthz").status_code == 200


def test_a_wrong_role_is_refused(console) -> None:  # type: ignore[no-untyped-def]
    app, _, _ = console
    agent, csrf = signed_in(app, "ann")
    assert agent.get("/").status_code == 200
    assert agent.get("/supervisor").status_code == 403
    assert agent.get("/api/v1/campaigns").status_code == 403
    assert agent.get("/metrics").status_code == 403
    refused = agent.post("/api/v1/campaigns/spring/pause", json={"reason": "x"}, headers={"X-CSRFToken": csrf})
    assert refused.status_code == 403 and refused.json["error"] == "forbidden"
    supervisor, _ = signed_in(app, "sam")
    assert supervisor.get("/supervisor").status_code == 200
    assert supervisor.get("/api/v1/campaigns").status_code == 200


def test_a_cookie_request_without_the_csrf_token_is_refused(console) -> None:  # type: ignore[no-untyped-def]
    app, _, control = console
    agent, csrf = signed_in(app, "ann")
    forged = agent.post("/api/v1/calls/c1/takeover", json={})
    assert forged.status_code == 400 and forged.json["error"] == "csrf_failed"
    wrong = agent.post("/api/v1/calls/c1/takeover", json={}, headers={"X-CSRFToken": "not-it"})
    assert wrong.status_code == 400
    assert control.taken == []
    assert agent.post("/api/v1/calls/c1/takeover", json={}, headers={"X-CSRFToken": csrf}).status_code == 202
    assert control.taken == [("c1", "ann")]
    # The log-in form is protected too (no logging a victim into an attacker's account).
    assert app.test_client().post("/login", data={"name": "ann", "password": PASSWORD}).status_code == 400
    # A script's token is not sent by a browser on its own, so it needs no CSRF token.
    token = api_token(app.extensions["tierdial.database"].sessions(), "calls:write")
    scripted = app.test_client().post(
        "/api/v1/calls/c2/takeover", json={"agent": "ann"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert scripted.status_code == 202


def test_brute_force_log_in_locks_the_account(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions, _ = console
    client = app.test_client()
    first = _log_in(client, "ann", "wrong password 0")
    unknown = _log_in(client, "nobody", "wrong password 0")
    assert first.status_code == unknown.status_code == 401  # the same answer: names cannot be probed
    assert "wrong name or password" in first.get_data(as_text=True)
    assert "wrong name or password" in unknown.get_data(as_text=True)
    for attempt in range(1, 5):
        assert _log_in(client, "ann", f"wrong password {attempt}").status_code == 401
    locked = _log_in(client, "ann", PASSWORD)
    assert locked.status_code == 401 and "locked" in locked.get_data(as_text=True)
    with sessions.begin() as session:
        unlock(session, "ann", "sam")
    assert _log_in(client, "ann", PASSWORD).status_code == 302


def test_log_in_attempts_from_one_address_are_rate_limited(console) -> None:  # type: ignore[no-untyped-def]
    app, _, _ = console
    client = app.test_client()
    codes = [_log_in(client, f"user{i}", "wrong password").status_code for i in range(21)]
    assert codes[:20] == [401] * 20 and codes[20] == 429


def test_a_password_change_ends_the_sessions_opened_with_the_old_one(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions, _ = console
    agent, _ = signed_in(app, "ann")
    assert agent.get("/").status_code == 200
    with sessions.begin() as session:
        set_password(session, "ann", "another long password", "ada")
    assert agent.get("/").status_code == 302


def test_session_cookies_are_http_only_and_same_site(console) -> None:  # type: ignore[no-untyped-def]
    app, _, _ = console
    client = app.test_client()
    reply = _log_in(client, "ann", PASSWORD)
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    exposed = create_app(parse_config({"data_dir": app.config["TIERDIAL"].data_dir, "console": {"host": "0.0.0.0"}}))
    assert exposed.config["SESSION_COOKIE_SECURE"] is True  # off this machine, cookies go over HTTPS only


def test_the_first_admin_is_made_from_the_command_line(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {tmp_path / 'var'}\n")
    made = run_cli("--config", str(config), "accounts", "create-admin", "root-admin", "--password-stdin",
                   input_text="a long admin password\n")  # fmt: skip
    assert made.returncode == 0, made.stderr
    again = run_cli("--config", str(config), "accounts", "create-admin", "other", "--password-stdin",
                    input_text="a long admin password\n")  # fmt: skip
    assert again.returncode != 0 and "an admin exists already" in again.stderr
    short = run_cli("--config", str(config), "accounts", "add", "ann", "--password-stdin", input_text="short\n")
    assert short.returncode != 0 and "at least 12 characters" in short.stderr
    listed = run_cli("--config", str(config), "accounts", "list")
    assert "root-admin" in listed.stdout and "admin" in listed.stdout


def test_a_console_without_a_dialer_says_so_and_unknown_api_paths_answer_json(tmp_path: Path) -> None:
    sessions = migrated_sessions(tmp_path / "console.db")
    add_account(sessions, "ann", "agent")
    app = create_app(parse_config({"data_dir": str(tmp_path)}), None, sessions)  # `tierdial console` on its own
    agent, csrf = signed_in(app, "ann")
    for reply in (agent.get("/api/v1/agents/me"), agent.post("/api/v1/calls/c1/hangup", headers={"X-CSRFToken": csrf})):
        assert reply.status_code == 503 and reply.json["error"] == "no_dialer"
    missing = agent.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.json["error"] == "not_found"
    wrong_method = agent.delete("/api/v1/campaigns", headers={"X-CSRFToken": csrf})
    assert wrong_method.status_code == 405 and wrong_method.json["error"] == "method_not_allowed"


@pytest.mark.parametrize("proxy", [None, "127.0.0.1"])
def test_cookies_are_secure_for_a_request_a_trusted_proxy_says_came_over_https(tmp_path: Path, proxy) -> None:  # type: ignore[no-untyped-def]
    import http.client

    from station.web import ConsoleServer

    config = parse_config({"data_dir": str(tmp_path), "console": {"port": 0, "trusted_proxy": proxy}})
    app = create_app(config, None, migrated_sessions(tmp_path / "console.db"))
    server = ConsoleServer(app, config.console).start()
    try:

        def cookie(**headers: str) -> str:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            connection.request("GET", "/login", headers=headers)
            reply = connection.getresponse()
            reply.read()
            connection.close()
            return reply.getheader("Set-Cookie") or ""

        plain, forwarded = cookie(), cookie(**{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    finally:
        server.shutdown()
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain  # plain HTTP on loopback
    # Only the proxy named in config.yaml is believed: anyone else could send the header.
    assert ("Secure" in forwarded) == (proxy is not None), forwarded
