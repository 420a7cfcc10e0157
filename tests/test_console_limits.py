"""Limits a console puts on its callers: requests a minute (429 with Retry-After), body sizes (413)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from console.app import create_app
from console.body_limits import LIST_BYTES, REQUEST_BYTES
from dialer.campaigns import create_campaign
from dialer.models import CampaignStatus
from tests.helpers import add_account, api_token, migrated_sessions, signed_in
from tierdial.config import CampaignDefaults, parse_config

LIMITS = {"log_ins_per_minute": 3, "list_uploads_per_minute": 2, "api_per_minute": 5, "api_per_address_per_minute": 8}
LIST = "phone,name\n010-1234-5678,Minji\n"


@pytest.fixture
def console(tmp_path: Path):  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(tmp_path / "console.db")
    with sessions.begin() as session:
        create_campaign(session, "spring", CampaignDefaults(), status=CampaignStatus.running)
    add_account(sessions, "sam", "supervisor")
    config = parse_config({"data_dir": str(tmp_path / "var"), "console": {"rate_limits": LIMITS}})
    return create_app(config, sessions=sessions), sessions


def _from(app, address: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _refused(reply, limit: int) -> None:  # type: ignore[no-untyped-def]
    assert reply.status_code == 429, reply.get_data(as_text=True)
    assert 0 < int(reply.headers["Retry-After"]) <= 60
    assert reply.json["error"] == "too_many_requests" and f"at most {limit} " in reply.json["message"]


def test_the_defaults_are_generous_for_the_api_and_strict_for_log_ins() -> None:
    limits = parse_config({}).console.rate_limits
    assert limits.log_ins_per_minute == 20 and limits.list_uploads_per_minute == 10
    assert limits.api_per_minute >= 1000 and limits.api_per_address_per_minute >= limits.api_per_minute
    with pytest.raises(Exception, match=r"rate_limits\.api_per_minute"):
        parse_config({"console": {"rate_limits": {"api_per_minute": 0}}})


def test_api_requests_are_limited_per_token(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions = console
    first, second = api_token(sessions, "campaigns:read"), api_token(sessions, "campaigns:read")
    client = _from(app, "10.0.0.1")
    assert [client.get("/api/v1/campaigns", headers=_bearer(first)).status_code for _ in range(5)] == [200] * 5
    _refused(client.get("/api/v1/campaigns", headers=_bearer(first)), 5)
    # Another token has its own count (from another address: this one's count is nearly spent too).
    assert _from(app, "10.0.0.2").get("/api/v1/campaigns", headers=_bearer(second)).status_code == 200
    assert app.test_client().get("/healthz").status_code == 200  # only the API is counted


def test_made_up_tokens_from_one_address_are_limited_per_address(console) -> None:  # type: ignore[no-untyped-def]
    app, _ = console
    client = _from(app, "10.0.0.3")
    codes = [client.get("/api/v1/campaigns", headers=_bearer(f"tdk_guess{i}")).status_code for i in range(8)]
    assert codes == [401] * 8
    _refused(client.get("/api/v1/campaigns", headers=_bearer("tdk_guess9")), 8)


def test_list_uploads_have_their_own_lower_limit(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions = console
    token = api_token(sessions, "lists:write", "campaigns:read")
    client = _from(app, "10.0.0.4")

    def upload():  # type: ignore[no-untyped-def]
        form = {"file": (io.BytesIO(LIST.encode()), "leads.csv"), "source": "crm", "consent_basis": "existing_customer"}
        return client.post("/api/v1/campaigns/spring/lists", data=form, headers=_bearer(token))

    assert [upload().status_code for _ in range(2)] == [201, 201]
    _refused(upload(), 2)
    assert client.get("/api/v1/campaigns", headers=_bearer(token)).status_code == 200  # the rest of the API answers


def test_log_in_attempts_are_limited_per_address(console) -> None:  # type: ignore[no-untyped-def]
    app, _ = console
    client = _from(app, "10.0.0.5")
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = {"name": "sam", "password": "wrong password", "csrf_token": csrf}
    assert [client.post("/login", data=form).status_code for _ in range(3)] == [401] * 3
    refused = client.post("/login", data=form)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    assert _from(app, "10.0.0.6").get("/login").status_code == 200  # the form itself is not limited


class _Unread:
    """A request body that must not be read."""

    def read(self, *_: object) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def _oversized(client, url: str, size: int, **headers: str):  # type: ignore[no-untyped-def]
    environ = {"wsgi.input": _Unread(), "CONTENT_LENGTH": str(size), "CONTENT_TYPE": "text/csv"}
    return client.post(url, headers=headers, environ_overrides=environ)


def test_bodies_over_the_limit_are_refused_unread_with_413(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions = console
    token = api_token(sessions, "lists:write", "dnc:write")
    client = app.test_client()
    refused = _oversized(client, "/api/v1/dnc", REQUEST_BYTES + 1, Authorization=f"Bearer {token}")
    assert refused.status_code == 413 and refused.json["error"] == "request_entity_too_large", refused.json
    assert f"takes {REQUEST_BYTES} at most" in refused.json["message"]
    # A call list may be far larger than any other body, but not without bound.
    lists = "/api/v1/campaigns/spring/lists?source=crm&consent_basis=existing_customer"
    assert _oversized(client, lists, LIST_BYTES + 1, Authorization=f"Bearer {token}").status_code == 413
    big = ("phone,name\n" + "".join(f"010-2000-{i:04d},Contact {i}\n" for i in range(10_000)) * 4).encode()
    assert len(big) > REQUEST_BYTES
    accepted = client.post(lists, data=big, headers={"Content-Type": "text/csv", "Authorization": f"Bearer {token}"})
    assert accepted.status_code in (201, 202), accepted.json
    # A signed-in person's form gets the 413 before the CSRF check reads it.
    supervisor, _ = signed_in(app, "sam")
    assert _oversized(supervisor, "/manage/dnc/add", REQUEST_BYTES + 1).status_code == 413
