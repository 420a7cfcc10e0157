"""Secrets are compared in constant time (or found by their hash), so response times cannot leak them."""

from __future__ import annotations

import ast
import hashlib
import hmac
import re
import secrets
from pathlib import Path

import pytest
from sqlalchemy import select

from console.app import create_app
from console.models import Agent, ApiToken
from console.tokens import revoke_token, token_with_scope
from tests.helpers import ROOT, add_account, api_token, migrated_sessions, signed_in
from tierdial.config import parse_config

PRODUCT = ("console", "tierdial", "station", "dialer", "asr", "number_pool", "intent")
SENSITIVE = re.compile(r"secret|token|password|passwd|csrf|signature|digest|mark|api_key", re.IGNORECASE)


def _names(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return [node.slice.value, *_names(node.value)]
    return []


def _hashed(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and "hash" in ast.unparse(node.func).lower()


def test_no_secret_is_compared_with_equals_in_the_product() -> None:
    """`==` on a secret stops at the first differing byte; a hashed lookup (`hash == _hash(guess)`) does not tell."""
    found = []
    for folder in PRODUCT:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Compare) or not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
                    continue
                operands = [node.left, *node.comparators]
                if any(isinstance(o, ast.Constant) for o in operands) or any(_hashed(o) for o in operands):
                    continue  # against a literal (empty, None), or a lookup by hash
                if any(SENSITIVE.search(name) for o in operands for name in _names(o)):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert not found, "compare with hmac.compare_digest (bytes) or look up by hash:\n" + "\n".join(found)


@pytest.fixture
def console(tmp_path: Path):  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(tmp_path / "console.db")
    add_account(sessions, "sam", "supervisor")
    return create_app(parse_config({"data_dir": str(tmp_path)}), sessions=sessions), sessions


def test_api_tokens_are_found_by_their_hash_and_never_stored(console) -> None:  # type: ignore[no-untyped-def]
    _, sessions = console
    token = api_token(sessions, "lists:read")
    with sessions.begin() as session:
        row = session.scalar(select(ApiToken))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in repr([getattr(row, column.key) for column in ApiToken.__table__.columns])
        assert token_with_scope(session, token, ("lists:read",)) is not None
        near = token[:-1] + ("A" if token[-1] != "A" else "B")
        assert token_with_scope(session, near, ("lists:read",)) is None
        assert token_with_scope(session, token, ("lists:write",)) is None
        revoke_token(session, row.id, "tests")
        assert token_with_scope(session, token, ("lists:read",)) is None


def test_session_marks_csrf_tokens_and_typed_passwords_are_compared_in_constant_time(console, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app, sessions = console
    compared: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def spy(a, b) -> bool:  # type: ignore[no-untyped-def]
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    monkeypatch.setattr(secrets, "compare_digest", spy)
    client, csrf = signed_in(app, "sam")
    with sessions() as session:
        stored = session.scalar(select(Agent.password_hash).where(Agent.name == "sam"))
    mark = hashlib.sha256(stored.encode()).hexdigest()[:16]
    assert (mark, mark) in compared  # the session's tie to the current password, checked on every request
    with client.session_transaction() as cookie_session:
        raw_csrf = cookie_session["csrf_token"]
    form = {"name": "ann", "display_name": "Ann", "role": "agent", "password": "another long password",
            "password_again": "another long password", "csrf_token": csrf}  # fmt: skip
    compared.clear()
    assert client.post("/manage/accounts/add", data=form).status_code == 302
    assert (raw_csrf, raw_csrf) in compared  # the form's CSRF token
    assert (b"another long password", b"another long password") in compared  # the password typed twice
