"""Requests a minute per caller, answered 429 with `Retry-After` past the limit (numbers: `console.rate_limits`).

Every limit counts one window of a minute for a key: log-in attempts per client address; call lists per caller (an
API token, else the signed-in person) and per address; the whole API per caller and per address. Counting per
address as well means a stream of made-up tokens is refused like one token. On PostgreSQL, where several console
nodes may serve one database, the counts are kept in it (`console.rate_counts`) and every node counts the same
minute; on SQLite (one node) they are in this process's memory.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, request
from flask_limiter import ApplicationLimit, Limiter
from flask_login import current_user

from console.auth import bearer_token
from console.rate_counts import SCHEME
from console.tokens import token_hash
from tierdial.config import RateLimits

LIST_UPLOADS = {"api_lists.upload_list", "manage_lists.upload"}
LOG_IN = "login.log_in"
RETRY = "; send again after the seconds in Retry-After"


def client_address() -> str:
    return request.remote_addr or "unknown"


def caller() -> str:
    """The token (by its hash: the text stays out of memory that outlives the request), else the person, else the
    address."""
    if token := bearer_token():
        return "token:" + token_hash(token)
    if current_user.is_authenticated:
        return "person:" + current_user.name
    return "address:" + client_address()


def _not_api() -> bool:
    return not request.path.startswith("/api/")


def _not_list_upload() -> bool:
    return request.endpoint not in LIST_UPLOADS


def _not_log_in() -> bool:
    return request.endpoint != LOG_IN


def init_rate_limits(app: Flask, limits: RateLimits, shared: Callable[[], object] | None = None) -> Limiter:
    """Bound to `app`; every limit is checked before the request's view (and before its body is read). With
    `shared` (the console's sessions, given on first use) the counts are kept in the database for all nodes."""
    posts = ["POST"]
    table = (  # per minute, counted per, scope, applies unless, what is counted, methods (None: all)
        (limits.log_ins_per_minute, client_address, "log-in", _not_log_in, "log-in attempts from one address", posts),
        (limits.list_uploads_per_minute, caller, "lists", _not_list_upload, "call lists from one caller", posts),
        (limits.list_uploads_per_minute, client_address, "lists-address", _not_list_upload,
         "call lists from one address", posts),
        (limits.api_per_minute, caller, "api", _not_api, "API requests from one caller", None),
        (limits.api_per_address_per_minute, client_address, "api-address", _not_api, "API requests from one address",
         None),
    )  # fmt: skip
    return Limiter(
        client_address,
        app=app,
        storage_uri=f"{SCHEME}://" if shared is not None else "memory://",
        storage_options={"sessions": shared} if shared is not None else {},
        headers_enabled=True,  # X-RateLimit-* on limited responses, and Retry-After
        application_limits=[
            ApplicationLimit(
                f"{per_minute} per minute",
                key_function=key,
                scope=scope,
                exempt_when=exempt,
                methods=methods,
                error_message=f"at most {per_minute} {what} a minute{RETRY}",
            )
            for per_minute, key, scope, exempt, what, methods in table
        ],
    )
