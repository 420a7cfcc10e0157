"""`tierdial tokens`: API tokens for scripts (create shows the token once; only its hash is kept)."""

from __future__ import annotations

import argparse
import json

from console.tokens import SCOPES, create_token, list_tokens, revoke_token
from tierdial.audit import command_line_actor
from tierdial.config import load_config
from tierdial.db import open_database


def _create(args: argparse.Namespace) -> int:
    with open_database(load_config(args.config)).begin() as session:
        token = create_token(session, args.name, args.scope, command_line_actor())
    print(token)
    return 0


def _list(args: argparse.Namespace) -> int:
    with open_database(load_config(args.config))() as session:
        rows = [
            {
                "id": t.id,
                "name": t.name,
                "scopes": t.scopes.split(),
                "created_at": t.created_at.isoformat(),
                "revoked": t.revoked_at is not None,
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            }
            for t in list_tokens(session)
        ]
    if args.json:
        print(json.dumps(rows))
    for row in [] if args.json else rows:
        state = "revoked" if row["revoked"] else f"last used {row['last_used_at'] or 'never'}"
        print(f"{row['id']:>4}  {row['name']:<30} {' '.join(row['scopes']):<25} {state}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with open_database(load_config(args.config)).begin() as session:
        revoke_token(session, args.id, command_line_actor())
    print(f"token {args.id} revoked")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    tokens = commands.add_parser("tokens", help="API tokens for scripts").add_subparsers(dest="action", required=True)
    create = tokens.add_parser("create", help="a new token, printed once")
    create.add_argument("--name", required=True, help="which script uses it")
    create.add_argument("--scope", action="append", choices=SCOPES, required=True, help="repeat for several")
    create.set_defaults(run=_create)
    listing = tokens.add_parser("list", help="every token, its scopes and when it was last used")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)
    revoke = tokens.add_parser("revoke", help="a token stops working at once")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(run=_revoke)
