"""Scripts load call lists over the REST API with a scoped token, and follow big uploads by their status URL."""

from __future__ import annotations

import io
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console import list_uploads
from console.app import create_app
from console.tokens import create_token, revoke_token
from dialer.campaigns import create_campaign
from dialer.lists.importer import register_import
from dialer.lists.status import loader_tag
from dialer.models import CampaignStatus, Contact, ListImport
from tests.helpers import migrated_sessions
from tierdial.config import CampaignDefaults, parse_config
from tierdial.polling import poll_until

LIST = "phone,name\n010-1234-5678,김민지\n010-1234-5679,王伟\nnot a number,Alex\n010-1234-5678,김민지\n"


@pytest.fixture
def app(tmp_path: Path):  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(tmp_path / "api.db")
    with sessions.begin() as s:
        create_campaign(s, "spring", CampaignDefaults(), status=CampaignStatus.running)
        tokens = {
            "writer": create_token(s, "crm sync", ["lists:write", "dnc:write"], "admin"),
            "reader": create_token(s, "dashboard", ["lists:read"], "admin"),
            "revoked": create_token(s, "old script", ["lists:write"], "admin"),
        }
        revoke_token(s, 3, "admin")
    app = create_app(parse_config({"data_dir": str(tmp_path / "var")}), sessions=sessions)
    app.extensions["test.tokens"], app.extensions["test.sessions"] = tokens, sessions
    return app


def _auth(app, who: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {app.extensions['test.tokens'][who]}"}


def _contacts(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["test.sessions"]() as s:
        return s.scalar(select(func.count(Contact.id)))


def test_a_script_uploads_a_list_and_gets_the_per_row_report(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    form = {
        "file": (io.BytesIO(LIST.encode()), "leads.csv"),
        "source": "crm export",
        "consent_basis": "existing_customer",
    }
    reply = client.post("/api/v1/campaigns/spring/lists", data=form, headers=_auth(app, "writer"))
    assert reply.status_code == 201, reply.json
    report = reply.json
    assert (report["loaded"], report["rejected"]) == (2, 2)
    assert [(r["line"], r["reason"]) for r in report["rejections"]] == [(4, "invalid_number"), (5, "duplicate")]
    status = client.get(f"/api/v1/imports/{report['import_id']}", headers=_auth(app, "reader")).json
    assert status["status"] == "done" and status["loaded"] == 2


def test_an_upload_with_an_address_over_two_lines_loads_it_as_one_row(app) -> None:  # type: ignore[no-untyped-def]
    export = 'phone,name,address\r\n010-1234-5678,김민지,"Flat 3\r\nHigh St"\r\nnot a number,Alex,"a\nb"\r\n'
    form = {"file": (io.BytesIO(export.encode()), "leads.csv"), "source": "crm", "consent_basis": "existing_customer"}
    reply = app.test_client().post("/api/v1/campaigns/spring/lists", data=form, headers=_auth(app, "writer"))
    assert reply.status_code == 201, reply.json
    assert (reply.json["loaded"], [(r["line"], r["reason"]) for r in reply.json["rejections"]]) == (
        1,
        [(4, "invalid_number")],
    )


def test_the_body_may_be_the_list_itself(app) -> None:  # type: ignore[no-untyped-def]
    reply = app.test_client().post(
        "/api/v1/campaigns/1/lists?source=web%20form&consent_basis=existing_customer&format=jsonl",
        data='{"phone": "+82 10 2222 3333", "name": "이서준"}\n',
        headers=_auth(app, "writer") | {"Content-Type": "application/x-ndjson"},
    )
    assert reply.status_code == 201 and reply.json["loaded"] == 1


def test_bad_requests_are_refused_with_a_reason_and_load_nothing(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    url, body = "/api/v1/campaigns/spring/lists", {"source": "crm", "consent_basis": "existing_customer"}
    for headers in ({}, _auth(app, "reader"), _auth(app, "revoked"), {"Authorization": "Bearer tdk_guess"}):
        reply = client.post(url, data=body | {"file": (io.BytesIO(LIST.encode()), "l.csv")}, headers=headers)
        assert reply.status_code == 401 and reply.json["error"] == "unauthorized"
    no_source = {"consent_basis": "existing_customer", "file": (io.BytesIO(LIST.encode()), "l.csv")}
    reply = client.post(url, data=no_source, headers=_auth(app, "writer"))
    assert reply.status_code == 400 and "source" in reply.json["message"]
    no_basis = {"source": "crm", "consent_basis": "we bought it", "file": (io.BytesIO(LIST.encode()), "l.csv")}
    assert client.post(url, data=no_basis, headers=_auth(app, "writer")).status_code == 400
    unknown = client.post("/api/v1/campaigns/winter/lists", data=body | {"file": (io.BytesIO(LIST.encode()), "l.csv")},
                          headers=_auth(app, "writer"))  # fmt: skip
    assert unknown.status_code == 404 and "winter" in unknown.json["message"]
    assert _contacts(app) == 0


def _upload_in_background(app, monkeypatch, rows: str):  # type: ignore[no-untyped-def]
    """A list over the size loaded within the request: loaded in the background; the client and the 202 reply."""
    monkeypatch.setattr(list_uploads, "INLINE_BYTES", 100)
    client = app.test_client()
    form = {"file": (io.BytesIO(rows.encode()), "big.csv"), "source": "crm", "consent_basis": "existing_customer"}
    reply = client.post("/api/v1/campaigns/spring/lists", data=form, headers=_auth(app, "writer"))
    assert reply.status_code == 202 and reply.headers["Location"] == reply.json["status_url"]
    return client, reply


def test_a_big_upload_is_loaded_in_the_background_and_followed_by_its_status(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rows = "phone\n" + "".join(f"010-4000-{i:04d}\n" for i in range(3000))
    client, reply = _upload_in_background(app, monkeypatch, rows)
    deadline = time.monotonic() + 60
    while (status := client.get(reply.json["status_url"], headers=_auth(app, "writer")).json)["status"] == "running":
        assert time.monotonic() < deadline
        assert 0 <= status["progress"]["percent"] <= 100 and status["progress"]["bytes_total"] == len(rows)
        time.sleep(0.1)
    assert status["status"] == "done" and status["loaded"] == 3000 and _contacts(app) == 3000


def test_a_script_following_a_big_load_is_answered_while_it_loads(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """On SQLite a list loads in one write transaction; asking how far it got must not wait for it to end."""
    rows = "phone\n" + "".join(f"010-5{k // 10_000:03d}-{k % 10_000:04d}\n" for k in range(40_000))
    client, reply = _upload_in_background(app, monkeypatch, rows)
    board = app.extensions["tierdial.import_progress"]  # this console's loads: bytes read so far
    poll_until(lambda: board.get(reply.json["import_id"], {}).get("bytes_read"), 60, "the load under way")
    # A token used for the first time (its use is noted): the answer comes while the load is still under way.
    status = client.get(reply.json["status_url"], headers=_auth(app, "reader")).json
    assert status["status"] == "running" and "progress" in status, status
    done = poll_until(
        lambda: (s := client.get(reply.json["status_url"], headers=_auth(app, "reader")).json)["status"] != "running"
        and s,
        120, "the load to end",
    )  # fmt: skip
    assert done["status"] == "done" and done["loaded"] == 40_000


def test_an_import_whose_process_died_is_reported_failed_not_running(app) -> None:  # type: ignore[no-untyped-def]
    dead = subprocess.Popen(["sleep", "60"])
    dead_loader = loader_tag(dead.pid)
    dead.kill()
    dead.wait()
    with app.extensions["test.sessions"].begin() as s:
        interrupted = register_import(s, "spring", "big.csv")
        s.get_one(ListImport, interrupted).loader = dead_loader
        still_loading = register_import(s, "spring", "other.csv")  # this process's: alive
    client = app.test_client()
    status = client.get(f"/api/v1/imports/{interrupted}", headers=_auth(app, "reader")).json
    assert status["status"] == "failed" and status["error"].startswith("interrupted") and status["loaded"] == 0
    assert client.get(f"/api/v1/imports/{still_loading}", headers=_auth(app, "reader")).json["status"] == "running"


def test_a_console_deletes_the_uploads_a_killed_console_left_behind(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A console killed while receiving or loading a list leaves its file (names and numbers) in the data folder; the
    next console deletes it when it first opens the database, and keeps the files a live console is loading."""
    dead = subprocess.Popen(["sleep", "60"])
    _host, pid, started = loader_tag(dead.pid).split(":")
    dead.kill()
    dead.wait()
    folder = tmp_path / "var" / "uploads"
    folder.mkdir(parents=True)
    left = folder / f"{pid}-{started}-{'a' * 32}.upload"
    loading = list_uploads._upload_path(folder)  # this process's: alive
    for path in (left, loading):
        path.write_text("phone\n010-1234-5678\n")
    client = app.test_client()
    assert client.get("/api/v1/imports/1", headers=_auth(app, "reader")).status_code == 404  # the first use
    assert sorted(folder.iterdir()) == [loading]


def test_a_script_puts_numbers_on_the_do_not_call_list(app) -> None:  # type: ignore[no-untyped-def]
    client, url = app.test_client(), "/api/v1/dnc"
    body = {"phone": "010-1234-5678", "reason": "unsubscribed in the CRM"}
    assert client.post(url, json=body, headers=_auth(app, "reader")).status_code == 401
    first = client.post(url, json=body, headers=_auth(app, "writer"))
    assert first.status_code == 201 and first.json == {"added": True, "scope": "internal"}
    assert client.post(url, json=body, headers=_auth(app, "writer")).status_code == 200  # already listed
    only_spring = client.post(
        url, json=body | {"phone": "010-1234-5679", "campaign": "spring"}, headers=_auth(app, "writer")
    )
    assert only_spring.status_code == 201 and only_spring.json["scope"] == "campaign"
    bad = client.post(url, json={"phone": "12", "reason": "x"}, headers=_auth(app, "writer"))
    assert bad.status_code == 400 and "phone" in bad.json["message"]
    assert client.post(url, json={"phone": "010-1234-5670"}, headers=_auth(app, "writer")).status_code == 400
    form = {"file": (io.BytesIO(LIST.encode()), "leads.csv"), "source": "crm", "consent_basis": "existing_customer"}
    report = client.post("/api/v1/campaigns/spring/lists", data=form, headers=_auth(app, "writer")).json
    assert report["loaded"] == 0 and report["by_reason"]["do_not_call"] == 2
