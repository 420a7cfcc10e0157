"""`/manage/accounts`: console accounts. Supervisors add agents, reset their passwords and unlock them; an admin
does the same for every role and disables the accounts of people who left."""

from __future__ import annotations

import datetime as dt
import hmac

from flask import Blueprint, g, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from console.accounts import (
    MIN_PASSWORD_LENGTH,
    check_may_manage,
    create_account,
    disable_account,
    enable_account,
    find_account,
    list_accounts,
    set_password,
    unlock,
)
from console.auth import MANAGERS, page_for, sessions
from console.manage.forms import done, required, show_errors_on
from console.models import Role
from tierdial.errors import UserError

manage_accounts = Blueprint("manage_accounts", __name__, url_prefix="/manage/accounts")


def _page(error: str | None = None) -> str:
    with sessions()() as session:
        accounts = list_accounts(session)
        roles = [r.value for r in Role] if current_user.role is Role.admin else [Role.agent.value]
        return render_template("manage/accounts.html", accounts=accounts, roles=roles, error=error,
                               min_password=MIN_PASSWORD_LENGTH, now=dt.datetime.now(dt.UTC))  # fmt: skip


show_errors_on(manage_accounts, _page)


def _password() -> str:
    password = required("password", "the password")
    # Two values the same person typed, but every comparison of a secret here is constant time, so none is missed.
    if not hmac.compare_digest(password.encode(), request.form.get("password_again", "").encode()):
        raise UserError("the two passwords differ; nothing was changed")
    return password


@manage_accounts.get("")
@page_for(*MANAGERS)
def accounts() -> str:
    return _page()


@manage_accounts.post("/add")
@page_for(*MANAGERS)
def add() -> Response:
    role = request.form.get("role", Role.agent.value)
    if role not in Role.__members__:
        raise UserError(f"role: one of {', '.join(Role.__members__)}")
    check_may_manage(current_user.role, role)
    name, password = required("name", "the account name"), _password()
    with sessions().begin() as session:
        account = create_account(session, name, role, password, g.actor, request.form.get("display_name") or None)
        return done(f"{account.role.value} account {account.name} created", ".accounts")


@manage_accounts.post("/<name>/password")
@page_for(*MANAGERS)
def password(name: str) -> Response:
    new_password = _password()
    with sessions().begin() as session:
        check_may_manage(current_user.role, find_account(session, name).role)
        set_password(session, name, new_password, g.actor)
    return done(f"{name}'s password changed: their open sessions have ended", ".accounts")


@manage_accounts.post("/<name>/unlock")
@page_for(*MANAGERS)
def unlock_account(name: str) -> Response:
    with sessions().begin() as session:
        check_may_manage(current_user.role, find_account(session, name).role)
        unlock(session, name, g.actor)
    return done(f"{name} unlocked", ".accounts")


@manage_accounts.post("/<name>/disable")
@page_for(Role.admin)
def disable(name: str) -> Response:
    with sessions().begin() as session:
        disable_account(session, name, g.actor)
    return done(f"{name} disabled: they cannot log in; their records stay", ".accounts")


@manage_accounts.post("/<name>/enable")
@page_for(Role.admin)
def enable(name: str) -> Response:
    with sessions().begin() as session:
        enable_account(session, name, g.actor)
    return done(f"{name} may log in again", ".accounts")
