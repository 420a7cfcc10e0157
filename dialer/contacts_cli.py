"""`tierdial contacts export|erase`: a contact's data on request."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dialer.lists.cli import open_database
from dialer.privacy import erase_contact, export_contact
from tierdial.audit import command_line_actor
from tierdial.config import load_config


def _export(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with open_database(config)() as session:
        data = export_contact(session, args.number, config.campaign_defaults.default_region)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
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
