"""`tierdial`: one command line, with sub-commands registered by each domain. It lives in the station, the
composition root, because it is the one place that knows every domain; the shared package knows none of them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import asr.cli
import console.accounts_cli
import console.cli
import dialer.cli
import dialer.numbers_cli
import intent.cli
import station.cli
import tierdial.config_cli
from tierdial import __version__
from tierdial.errors import UserError
from tierdial.logs import setup_logging


def build_parser() -> argparse.ArgumentParser:
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
    tierdial.config_cli.register(commands)
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
