"""Supervisors search the do-not-call list and take a number listed by mistake off it; an opt-out never comes off."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from console.app import create_app
from dialer.dnc import add_entry, add_opt_out, is_blocked
from tests.helpers import add_account, api_token, migrated_sessions
from tierdial.audit import AuditEntry
from tierdial.config import parse_config

MISTAKE, OPTED_OUT = "+821055551234", "+821055559876"


def test_a_mistaken_entry_comes_off_with_a_reason_and_an_opt_out_never_does(tmp_path: Path) -> None:
    sessions = migrated_sessions(tmp_path / "console.db")
    add_account(sessions, "sam", "supervisor")
    with sessions.begin() as session:
        add_entry(session, MISTAKE, "typed the wrong number", "console", "sam")
        add_opt_out(session, OPTED_OUT, "said: stop calling me", "call c-7")
    app = create_app(parse_config({"data_dir": str(tmp_path)}), None, sessions)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {api_token(sessions, 'dnc:write')}"}

    found = {e["phone"]: e for e in client.get("/api/v1/dnc?q=010-5555", headers=auth).json["entries"]}
    assert set(found) == {MISTAKE, OPTED_OUT}
    assert found[MISTAKE]["removable"] and not found[OPTED_OUT]["removable"]
    assert "opted out" in found[OPTED_OUT]["kept_because"]
    assert client.get("/api/v1/dnc?q=55", headers=auth).status_code == 400  # too few digits to search by

    kept = client.post(f"/api/v1/dnc/{found[OPTED_OUT]['id']}/remove", json={"reason": "customer changed mind"},
                       headers=auth)  # fmt: skip
    assert kept.status_code == 400 and "honoured for good" in kept.json["message"]
    no_reason = client.post(f"/api/v1/dnc/{found[MISTAKE]['id']}/remove", json={"reason": " "}, headers=auth)
    assert no_reason.status_code == 400
    removed = client.post(f"/api/v1/dnc/{found[MISTAKE]['id']}/remove", json={"reason": "wrong digit when added"},
                          headers=auth)  # fmt: skip
    assert removed.status_code == 200
    assert client.post("/api/v1/dnc/99999/remove", json={"reason": "x"}, headers=auth).status_code == 404
    with sessions() as session:
        assert not is_blocked(session, MISTAKE) and is_blocked(session, OPTED_OUT)
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "do_not_call_removed")).one()
        assert audit.detail["reason"] == "wrong digit when added" and MISTAKE not in str(audit.detail)
