"""Who may use the console: signed-in people by role, scripts by API token.

- Pages need a signed-in person with one of the page's roles (else the log-in page, or 403).
- API endpoints take either a person's session (with a role) or `Authorization: Bearer
  <token>` with a scope. Every state-changing request made with a session cookie carries
  the CSRF token (form field or `X-CSRFToken` header); a bearer token is not sent by a
  browser on its own, so token requests need none.
- Session cookies are HttpOnly and SameSite=Lax. They are Secure (sent back over HTTPS only) whenever the console
  listens off loopback, since then it must sit behind a proxy that terminates TLS; and on loopback too for a request
  that came over HTTPS, which is how a proxy on this machine (`console.trusted_proxy`, whose X-Forwarded-Proto the
  server honours) marks it. Plain HTTP to 127.0.0.1 (the demo, a developer) gets cookies without Secure, which a
  browser would not send back otherwise. The session ends when the password changes.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_request_context, jsonify, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import AnonymousUserMixin, LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from console.models import Agent, Role
from console.tokens import note_use, token_with_scope
from tierdial.config import Config
from tierdial.held_writes import unreachable
from tierdial.private_files import FILE_MODE, narrow, private_dir

SECRET_FILE = "console-secret.key"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PEOPLE = (Role.agent, Role.supervisor, Role.admin)
MANAGERS = (Role.supervisor, Role.admin)


@dataclass(frozen=True)
class Person:
    """The signed-in person, as flask-login wants one. `id` ties the session to the current password."""

    name: str
    role: Role
    display_name: str
    password_mark: str

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.name}:{self.password_mark}"

    @classmethod
    def of(cls, account: Agent) -> Person:
        mark = hashlib.sha256((account.password_hash or "").encode()).hexdigest()[:16]
        return cls(account.name, Role(account.role), account.display_name or account.name, mark)


class Nobody(AnonymousUserMixin):
    role = None
    name = ""


def sessions() -> sessionmaker[Session]:
    return current_app.extensions["tierdial.database"].sessions()


def init_auth(app: Flask, config: Config) -> None:
    app.secret_key = _secret_key(config.data_dir)
    secure = not _loopback(config.console.host)
    app.session_interface = _SessionCookies()
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        WTF_CSRF_CHECK_DEFAULT=False,  # checked below, for cookie-authenticated requests only
        WTF_CSRF_TIME_LIMIT=None,  # valid for the session: an agent's page stays open all shift
    )
    csrf = CSRFProtect(app)
    logins = LoginManager(app)
    logins.anonymous_user = Nobody
    logins.login_view = "login.log_in"
    logins.session_protection = "basic"
    logins.user_loader(_load_person)

    @app.before_request
    def _check_csrf() -> None:
        if request.method not in UNSAFE_METHODS or bearer_token():
            return
        # An API request with neither a session nor a token carries no authority to forge: it gets its 401.
        if request.path.startswith("/api/") and not current_user.is_authenticated:
            return
        csrf.protect()

    @app.errorhandler(CSRFError)
    def _csrf_refused(error: CSRFError):  # type: ignore[no-untyped-def]
        message = f"refused: {error.description} Reload the page and try again."
        if request.path.startswith("/api/"):
            return jsonify(error="csrf_failed", message=message), 400
        return render_template("refused.html", message=message), 400


class _SessionCookies(SecureCookieSessionInterface):
    """Secure as configured, and for every request that came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def _load_person(session_id: str) -> Person | None:
    """The person of a session, as the database has them now. While the database is away, as it had them at their
    last request to this node: an agent keeps their page (a pause, a wrap-up held by the station) through a
    restart of the database; someone never seen here gets the console's 503."""
    seen: dict[str, Person] = current_app.extensions.setdefault("tierdial.people_seen", {})
    name, _, mark = session_id.partition(":")
    try:
        with sessions()() as session:
            account = session.scalar(select(Agent).where(Agent.name == name))
            person = Person.of(account) if account is not None and account.disabled_at is None else None
    except DBAPIError as exc:
        if unreachable(exc) and session_id in seen:
            return seen[session_id]
        raise
    if person is None or not secrets.compare_digest(person.password_mark, mark):
        seen.pop(session_id, None)
        return None
    seen[session_id] = person
    return person


def _secret_key(data_dir: Path) -> bytes:
    """The key that signs session cookies: made once per installation, readable by its owner only."""
    path = data_dir / SECRET_FILE
    if not path.exists():
        private_dir(path.parent)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(descriptor, "wb") as out:
            out.write(secrets.token_bytes(32))
    narrow(path)
    return path.read_bytes()


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""


def page_for(*roles: Role) -> Callable:
    """A page for signed-in people with one of these roles."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("login.log_in", next=request.full_path.rstrip("?")))
            if current_user.role not in roles:
                return render_template("refused.html", message="This page is not for your role."), 403
            g.actor = current_user.name
            return view(*args, **kwargs)

        return checked

    return decorate


def api_for(roles: Iterable[Role] = (), scopes: Iterable[str] = ()) -> Callable:
    """An endpoint for a script's token with one of `scopes`, or a signed-in person with one of `roles`.

    Sets `g.actor` (who did it, for the records) and `g.person` (the signed-in person, or None).
    """
    roles, scopes = tuple(roles), tuple(scopes)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if token := bearer_token():
                with sessions()() as session:  # a read only: it never waits for a write (a list loading)
                    found = token_with_scope(session, token, scopes)
                    name = found.name if found else None
                if found is not None:
                    note_use(sessions(), found)
                if name is None:
                    wanted = " or ".join(scopes) or "(none: this endpoint is for signed-in people)"
                    message = f"send `Authorization: Bearer <token>` with a live token that has the {wanted} scope"
                    return jsonify(error="unauthorized", message=message), 401
                g.actor, g.person, g.token_name = f"token {name}", None, name
            elif current_user.is_authenticated:
                if current_user.role not in roles:
                    return jsonify(error="forbidden", message="your role may not do this"), 403
                g.actor, g.person, g.token_name = current_user.name, current_user, None
            else:
                return jsonify(error="unauthorized", message="sign in, or send an API token"), 401
            return view(*args, **kwargs)

        return checked

    return decorate
