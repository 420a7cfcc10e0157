"""`tierdial numbers`: the caller numbers, their reputation, reports and release from quarantine."""

from __future__ import annotations

import argparse
import json

from dialer.lists.cli import open_database
from number_pool.pool import sync_numbers
from number_pool.reputation import ReportKind, number_summaries, release, report
from tierdial.audit import command_line_actor
from tierdial.config import load_config


def _list(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with open_database(config).begin() as session:
        sync_numbers(session, config.caller_numbers)
        rows = number_summaries(session)
    if args.json:
        print(json.dumps(rows))
    for r in [] if args.json else rows:
        counts = f"complaints {r['complaints']}, opt-outs {r['opt_outs']}, spam {r['spam_reports']}"
        print(f"{r['number']:<16} {r['region']} {r['status']:<11} {counts}  {r['reason'] or ''}")
    return 0


def _report(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with open_database(config).begin() as session:
        sync_numbers(session, config.caller_numbers)
        outcome = report(session, args.number, ReportKind(args.kind), args.detail, config.quarantine_after,
                        command_line_actor())  # fmt: skip
    if outcome.quarantined:
        print(f"reported; {args.number} is quarantined; campaigns paused: {', '.join(outcome.paused) or 'none'}")
    else:
        print("reported")
    return 0


def _release(args: argparse.Namespace) -> int:
    with open_database(load_config(args.config)).begin() as session:
        release(session, args.number, args.reason, command_line_actor())
    print(f"{args.number} released; resume its campaigns with `tierdial campaigns start NAME`")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    numbers = commands.add_parser("numbers", help="caller numbers: reputation and quarantine").add_subparsers(
        dest="action", required=True
    )
    listing = numbers.add_parser("list", help="every owned number with its reports and status")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)
    reported = numbers.add_parser("report", help="a complaint, opt-out or spam label against a number")
    reported.add_argument("number", help="E.164, e.g. +82234567890")
    reported.add_argument("--kind", required=True, choices=[k.value for k in ReportKind])
    reported.add_argument("--detail", required=True, help="what was reported and by whom")
    reported.set_defaults(run=_report)
    released = numbers.add_parser("release", help="a reviewed number may be used again")
    released.add_argument("number")
    released.add_argument("--reason", required=True)
    released.set_defaults(run=_release)
