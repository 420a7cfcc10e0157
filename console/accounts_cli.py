"""`tierdial accounts`: console accounts (the first admin, agents, supervisors), passwords and unlocking."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from sqlalchemy import select

from console.accounts import create_account, list_accounts, set_password, unlock
from console.models import Agent, Role
from tierdial.audit import command_line_actor
from tierdial.config import load_config
from tierdial.db import open_database
from tierdial.errors import UserError


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise UserError("the two passwords differ; nothing was changed")
    return first


def _create_admin(args: argparse.Namespace) -> int:
    with open_database(load_config(args.config)).begin() as session:
        if session.scalar(select(Agent).where(Agent.role == Role.admin)) is not None:
            raise UserError("an admin exists already: an admin adds the next accounts with `tierdial accounts add`")
        create_account(session, args.name, Role.admin, _password(args), command_line_actor())
    print(f"admin {args.name} created: log in to the console with it")
    return 0


def _add(args: argparse.Namespace) -> int:
    with open_database(load_config(args.config)).begin() as session:
        create_account(session, args.name, args.role, _password(args), command_line_actor(), args.display_name)
    print(f"{args.role} {args.name} created")
    return 0


def _list(args: argparse.Namespace) -> int:
    with open_database(load_config(args.config))() as session:
        rows = [
            {"name": a.name, "role": a.role.value, "display_name": a.display_name,
             "locked": a.locked_until is not None, "disabled": a.disabled_at is not None}
            for a in list_accounts(session)
        ]  # fmt: skip
    if args.json:
        print(json.dumps(rows))
    for row in [] if args.json else rows:
        flags = " ".join(flag for flag in ("locked", "disabled") if row[flag])
        print(f"{row['name']:<30} {row['role']:<11} {flags}")
    return 0


def _password_command(args: argparse.Namespace) -> int:
    with open_database(load_config(args.config)).begin() as session:
        set_password(session, args.name, _password(args), command_line_actor())
    print(f"password of {args.name} changed; its open sessions have ended")
    return 0


def _unlock(args: argparse.Namespace) -> int:
    with open_database(load_config(args.config)).begin() as session:
        unlock(session, args.name, command_line_actor())
    print(f"{args.name} unlocked")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    accounts = commands.add_parser("accounts", help="console accounts: agents, supervisors, admins")
    actions = accounts.add_subparsers(dest="action", required=True)

    def with_password(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        return parser

    first = with_password(actions.add_parser("create-admin", help="the first admin of a new installation"))
    first.add_argument("name")
    first.set_defaults(run=_create_admin)
    add = with_password(actions.add_parser("add", help="a new account"))
    add.add_argument("name")
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.agent.value)
    add.add_argument("--display-name")
    add.set_defaults(run=_add)
    listing = actions.add_parser("list", help="every account, its role and whether it is locked")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)
    password = with_password(actions.add_parser("password", help="set an account's password"))
    password.add_argument("name")
    password.set_defaults(run=_password_command)
    unlocking = actions.add_parser("unlock", help="open an account locked after failed log-ins")
    unlocking.add_argument("name")
    unlocking.set_defaults(run=_unlock)
