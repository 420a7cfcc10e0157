"""People's console accounts: roles, passwords hashed with Argon2id, and lockout after failed log-ins.

A wrong password and an unknown name fail the same way and take the same time, so a
log-in form never tells which names exist. After `MAX_FAILED_LOGINS` failures in a row an
account is locked for `LOCKOUT`; a correct password does not open a locked account early.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from console.models import Agent, Role
from tierdial import audit
from tierdial.errors import NotFound, UserError

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,49}$")

_hasher = PasswordHasher()  # Argon2id, the library's memory-hard defaults (64 MiB, 3 passes)


@functools.cache
def _unknown_user_hash() -> str:
    """Checked against when the name is unknown, so that case costs what a wrong password costs. Made on first
    use, not at import: hashing takes a quarter of a second, and every command line run would pay it."""
    return _hasher.hash("no such user")


class LoginRefused(Exception):
    """Wrong name or password, or a locked account; the message is safe to show."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def create_account(
    session: Session, name: str, role: Role | str, password: str, actor: str, display_name: str | None = None
) -> Agent:
    name = name.strip().lower()
    if not NAME.match(name):
        raise UserError(
            "an account name is 2-50 lower-case letters, digits, '.', '_' or '-', starting with one of the first two"
        )
    try:
        role = Role(role)
    except ValueError:
        raise UserError(f"role must be one of {', '.join(r.value for r in Role)}") from None
    check_password_rules(password)
    if _named(session, name) is not None:
        raise UserError(f"an account named {name} exists already")
    account = Agent(name=name, display_name=display_name, role=role, password_hash=_hasher.hash(password))
    session.add(account)
    session.flush()
    audit.record(session, actor, "account_created", "account", name, role=role.value)
    return account


def _named(session: Session, name: str) -> Agent | None:
    return session.scalar(select(Agent).where(Agent.name == name.strip().lower()))


def find_account(session: Session, name: str) -> Agent:
    account = _named(session, name)
    if account is None:
        raise NotFound(f"no account named {name}")
    return account


def list_accounts(session: Session) -> list[Agent]:
    return list(session.scalars(select(Agent).order_by(Agent.name)))


def set_password(session: Session, name: str, password: str, actor: str) -> None:
    check_password_rules(password)
    account = find_account(session, name)
    account.password_hash = _hasher.hash(password)
    account.failed_logins, account.locked_until = 0, None
    audit.record(session, actor, "password_set", "account", account.name)


def unlock(session: Session, name: str, actor: str) -> None:
    account = find_account(session, name)
    account.failed_logins, account.locked_until = 0, None
    audit.record(session, actor, "account_unlocked", "account", account.name)


def authenticate(session: Session, name: str, password: str) -> Agent:
    """The account these credentials open; raises LoginRefused otherwise and counts the failure."""
    account = _named(session, name)
    if account is None or not account.password_hash or account.disabled_at is not None:
        _verify(_unknown_user_hash(), password)
        raise LoginRefused("wrong name or password")
    now = _now()
    if account.locked_until is not None and account.locked_until > now:
        raise LoginRefused("too many failed log-ins: this account is locked for a while; a supervisor can unlock it")
    if not _verify(account.password_hash, password):
        account.failed_logins += 1
        if account.failed_logins >= MAX_FAILED_LOGINS:
            account.locked_until = now + LOCKOUT
            audit.record(session, "console", "account_locked", "account", account.name, failures=account.failed_logins)
        raise LoginRefused("wrong name or password")
    account.failed_logins, account.locked_until = 0, None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    return account


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_may_manage(actor_role: Role, target_role: Role | str) -> None:
    """Supervisors look after agents' accounts; supervisors' and admins' accounts are an admin's."""
    if actor_role is not Role.admin and Role(target_role) is not Role.agent:
        raise UserError("only an admin may create or change a supervisor's or an admin's account")


def disable_account(session: Session, name: str, actor: str) -> None:
    """A person who left: the account stays for the records, cannot log in, and its open sessions end."""
    account = find_account(session, name)
    if account.name == actor:
        raise UserError("you cannot disable your own account")
    if account.disabled_at is None:
        account.disabled_at = _now()
        audit.record(session, actor, "account_disabled", "account", account.name)


def enable_account(session: Session, name: str, actor: str) -> None:
    account = find_account(session, name)
    if account.disabled_at is not None:
        account.disabled_at = None
        audit.record(session, actor, "account_enabled", "account", account.name)
