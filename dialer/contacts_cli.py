"""`tierdial contacts export|erase`: a contact's data on request; `tierdial retention apply`: what is past its
retention period goes."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from dialer.privacy import erase_contact, export_contact
from dialer.retention import apply_retention
from tierdial.audit import command_line_actor
from tierdial.config import load_config
from tierdial.db import open_database
from tierdial.private_files import write_private


def _export(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with open_database(config)() as session:
        data = export_contact(session, args.number, config.campaign_defaults.default_region)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if args.out:
        write_private(Path(args.out), text + "\n")  # one person's data
        print(f"{len(data['contacts'])} contacts, {len(data['calls'])} calls written to {args.out}", file=sys.stderr)
    else:
        print(text)
    return 0


def _erase(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with open_database(config).begin() as session:
        counts = erase_contact(session, args.number, config.campaign_defaults.default_region, command_line_actor(),
                               args.reason, config.asterisk.recordings_readable_at)  # fmt: skip
    print(", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in counts.items()))
    return 0


def _retention(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with open_database(config).begin() as session:
        counts = apply_retention(session, config.retention, config.asterisk.recordings_readable_at,
                                 dt.datetime.now(dt.UTC), command_line_actor())  # fmt: skip
    kept = f"transcripts {config.retention.transcripts_days} days, recordings {config.retention.recordings_days} days"
    print(", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in counts.items()) + f" (kept: {kept})")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    contacts = commands.add_parser("contacts", help="a contact's data on request: export or erase").add_subparsers(
        dest="action", required=True
    )
    export = contacts.add_parser("export", help="everything held about a number, as JSON (audit trail included)")
    export.add_argument("number")
    export.add_argument("--out", help="write to this file instead of standard output")
    export.set_defaults(run=_export)
    erase = contacts.add_parser("erase", help="erase a number's data; its do-not-call entries stay, as a hash")
    erase.add_argument("number")
    erase.add_argument("--reason", required=True, help="why, e.g. the request's reference")
    erase.set_defaults(run=_erase)
    retention = commands.add_parser("retention", help="delete what callees said once past its retention period")
    retention.add_subparsers(dest="action", required=True).add_parser(
        "apply",
        help="transcripts, quoted words and recordings older than config.yaml's retention (the dialer "
        "does this every hour)",
    ).set_defaults(run=_retention)
