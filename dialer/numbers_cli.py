"""`tierdial numbers`: the caller numbers, their reputation, reports and release from quarantine, and the numbers
each campaign offers. It lives with the dialer because it joins numbers to campaigns."""

from __future__ import annotations

import argparse
import json

from dialer.campaigns import campaign_names, find_campaign
from dialer.number_reports import report
from number_pool.campaign_numbers import campaign_number_rows, choose_numbers
from number_pool.pool import sync_numbers
from number_pool.reputation import ReportKind, number_summaries, release
from tierdial.audit import command_line_actor
from tierdial.config import load_config
from tierdial.db import open_database
from tierdial.errors import UserError


def _list(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with open_database(config).begin() as session:
        sync_numbers(session, config.caller_numbers)
        rows = number_summaries(session, campaign_names(session))
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


def _campaign(args: argparse.Namespace) -> int:
    """Show, or with numbers or --all set, the numbers a campaign offers its new contacts."""
    if args.all and args.numbers:
        raise UserError("give the numbers to offer, or --all to offer every active number, not both")
    config = load_config(args.config)
    with open_database(config).begin() as session:
        sync_numbers(session, config.caller_numbers)
        campaign = find_campaign(session, args.campaign)
        if args.all or args.numbers:
            choose_numbers(session, campaign.id, args.numbers, command_line_actor())
        rows = campaign_number_rows(session, campaign.id)
        name = campaign.name
    if args.json:
        print(json.dumps({"campaign": name, "numbers": rows}))
        return 0
    print(f"{name}: new contacts are given one of the numbers marked 'offered'; contacts already called keep theirs")
    for r in rows:
        offered = "offered" if r["offered"] else ""
        print(f"{r['number']:<16} {r['region']} {r['status']:<11} {offered:<8} seen by {r['contacts']} contact(s)")
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
    chosen = numbers.add_parser("campaign", help="the numbers a campaign offers its new contacts: show or choose")
    chosen.add_argument("campaign", help="the campaign's name or id")
    chosen.add_argument("numbers", nargs="*", help="the numbers to offer (E.164); none: just show them")
    chosen.add_argument("--all", action="store_true", help="offer every active number again (the default)")
    chosen.add_argument("--json", action="store_true")
    chosen.set_defaults(run=_campaign)
