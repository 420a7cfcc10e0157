"""`tierdial config check` and `tierdial db upgrade`: the commands about the shared plumbing itself."""

from __future__ import annotations

import argparse
import json

from tierdial.config import load_config


def _shown(url: str) -> str:
    """A database URL without its password: what the command prints may end up in a ticket or a log."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _config_check(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.json:
        print(json.dumps(config.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        print(
            f"configuration OK: engine {config.engine}, database {_shown(config.database_url)}, "
            f"{len(config.trunks)} trunk(s), {len(config.caller_numbers)} caller number(s)"
        )
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from tierdial.db import make_engine
    from tierdial.schema import upgrade

    config = load_config(args.config)
    upgrade(make_engine(config.database_url))
    print(f"database schema up to date: {_shown(config.database_url)}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    config_cmd = commands.add_parser("config", help="configuration").add_subparsers(dest="action", required=True)
    check = config_cmd.add_parser("check", help="validate the configuration and print a summary")
    check.add_argument("--json", action="store_true", help="print the full effective configuration")
    check.set_defaults(run=_config_check)

    db_cmd = commands.add_parser("db", help="database").add_subparsers(dest="action", required=True)
    db_cmd.add_parser("upgrade", help="create or migrate the schema").set_defaults(run=_db_upgrade)
