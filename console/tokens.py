"""API tokens for scripts: random, shown once, stored as a hash, scoped and revocable.

A token is 32 random bytes, so a plain SHA-256 of it cannot be guessed back; a slow,
memory-hard hash is for the passwords people choose.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import threading

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from console.models import ApiToken
from tierdial import audit
from tierdial.errors import NotFound, UserError

log = logging.getLogger(__name__)
USE_NOTED_EVERY = dt.timedelta(minutes=1)
_noted: dict[int, dt.datetime] = {}  # this process's latest noting of each token's use
_noting = threading.Lock()

SCOPES = (
    "lists:write",
    "lists:read",
    "dnc:write",
    "dnc:read",
    "metrics:read",
    "events:read",
    "calls:write",
    "campaigns:read",
    "campaigns:write",
    "kpis:read",
    "kpis:write",
    "attempts:read",
    "webhooks:write",
    "calls:listen",
)
PREFIX = "tdk_"


def token_hash(token: str) -> str:
    """How a token is kept and found: never its text."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str, scopes: list[str], actor: str) -> str:
    """A new token; the only time its text exists outside the caller's hands."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise UserError(f"scopes must be some of {', '.join(SCOPES)} (got {', '.join(unknown) or 'none'})")
    if not name.strip():
        raise UserError("a token needs a name saying which script uses it")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name.strip()[:100], token_hash=token_hash(token), scopes=" ".join(sorted(set(scopes))))
    session.add(row)
    session.flush()
    audit.record(session, actor, "token_created", "api_token", str(row.id), name=row.name, scopes=row.scopes)
    return token


def revoke_token(session: Session, token_id: int, actor: str) -> None:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no API token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = dt.datetime.now(dt.UTC)
        audit.record(session, actor, "token_revoked", "api_token", str(row.id), name=row.name)


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def token_with_scope(session: Session, token: str, scopes: tuple[str, ...]) -> ApiToken | None:
    """The live token this text is, if it carries one of the scopes; None otherwise (never says which check failed).

    Found by its hash: the database compares hashes the caller cannot steer byte by byte, so how long the lookup
    takes says nothing about how much of a guess was right (a constant-time comparison is not needed on top)."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None or not set(scopes) & set(row.scopes.split()):
        return None
    return row


def note_use(sessions: sessionmaker[Session], row: ApiToken) -> None:
    """When a token was last used (`tierdial tokens list`), to the minute, written in the background: a request never
    waits for it. On SQLite a write waits for any other, and a big list loads in one transaction; a script following
    its progress would wait for the whole load."""
    now = dt.datetime.now(dt.UTC)
    with _noting:
        last = max(filter(None, (row.last_used_at, _noted.get(row.id))), default=None)
        if last is not None and now - last < USE_NOTED_EVERY:
            return
        _noted[row.id] = now
    threading.Thread(target=_write_use, args=(sessions, row.id, now), name="token-use", daemon=True).start()


def _write_use(sessions: sessionmaker[Session], row_id: int, at: dt.datetime) -> None:
    try:
        with sessions.begin() as session:
            if (row := session.get(ApiToken, row_id)) is not None:
                row.last_used_at = at
    except DBAPIError as exc:  # the database away or busy: the token's next use notes it
        log.info("token %d's last use not noted (%s)", row_id, type(exc.orig or exc).__name__)
