"""`tierdial`: one command line, with sub-commands registered by each domain."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from tierdial import __version__
from tierdial.config import load_config
from tierdial.errors import UserError
from tierdial.logs import setup_logging


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


def build_parser() -> argparse.ArgumentParser:
    import asr.cli
    import console.accounts_cli
    import console.cli
    import dialer.cli
    import dialer.numbers_cli
    import intent.cli
    import station.cli

    parser = argparse.ArgumentParser(prog="tierdial", description="Compliance-first outbound dialer with live triage")
    parser.add_argument("--config", help="configuration file (default: $TIERDIAL_CONFIG, ./config.yaml, or built-in)")
    parser.add_argument(
        "--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="default: INFO for services, else WARNING"
    )
    parser.add_argument(
        "--log-format", default="text", choices=["text", "json"], help="json: one object a line, for log shippers"
    )
    parser.add_argument("--version", action="version", version=f"tierdial {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    config_cmd = commands.add_parser("config", help="configuration").add_subparsers(dest="action", required=True)
    check = config_cmd.add_parser("check", help="validate the configuration and print a summary")
    check.add_argument("--json", action="store_true", help="print the full effective configuration")
    check.set_defaults(run=_config_check)

    db_cmd = commands.add_parser("db", help="database").add_subparsers(dest="action", required=True)
    db_cmd.add_parser("upgrade", help="create or migrate the schema").set_defaults(run=_db_upgrade)

    intent.cli.register(commands)
    asr.cli.register(commands)
    bench = dialer.cli.register(commands)
    station.cli.register(commands, bench)
    console.cli.register(commands)
    console.accounts_cli.register(commands)
    dialer.numbers_cli.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.log_level or getattr(args, "default_log_level", "WARNING"), args.log_format)
    try:
        return int(args.run(args) or 0)
    except UserError as exc:
        print(f"tierdial: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
