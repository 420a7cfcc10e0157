"""`tierdial campaigns`, `tierdial lists` and `tierdial dnc`: what scripts and people load and check."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from sqlalchemy import select

from dialer.lists.importer import CONSENT_BASES, ImportReport, ListTerms, import_list, import_workers
from dialer.lists.rows import RowReader, detect_format
from dialer.models import DEFAULT_LANGUAGE
from tierdial.audit import command_line_actor
from tierdial.config import load_config
from tierdial.db import open_database
from tierdial.errors import UserError
from tierdial.private_files import private_open


def _campaigns_create(args: argparse.Namespace) -> int:
    from dialer.campaigns import create_campaign
    from dialer.models import CampaignStatus

    config = load_config(args.config)
    with open_database(config).begin() as session:
        status = CampaignStatus.running if args.start else CampaignStatus.draft
        campaign = create_campaign(session, args.name, config.campaign_defaults, status=status, language=args.language)
        print(f"campaign {campaign.name!r} created (id {campaign.id}, {status.value}, speaks {campaign.language})")
    return 0


def _campaigns_start(args: argparse.Namespace) -> int:
    from dialer.campaigns import start_campaign

    with open_database(load_config(args.config)).begin() as session:
        campaign = start_campaign(session, args.name, command_line_actor())
        print(f"campaign {campaign.name!r} is running")
    return 0


def _campaigns_pause(args: argparse.Namespace) -> int:
    from dialer.campaigns import find_campaign, pause_campaigns

    with open_database(load_config(args.config)).begin() as session:
        campaign = find_campaign(session, args.name)
        pause_campaigns(session, {campaign.id}, args.reason, command_line_actor())
        print(f"campaign {campaign.name!r} is {campaign.status.value}")
    return 0


def _campaigns_list(args: argparse.Namespace) -> int:
    from dialer.models import Campaign

    with open_database(load_config(args.config))() as session:
        campaigns = list(session.scalars(select(Campaign).order_by(Campaign.id)))
        rows = [
            {"id": c.id, "name": c.name, "status": c.status.value, "language": c.language, "reason": c.status_reason}
            for c in campaigns
        ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    for row in [] if args.json else rows:
        print(f"{row['id']:>4}  {row['name']:<30} {row['status']:<8} {row['language']:<3} {row['reason'] or ''}")
    return 0


def _print_report(report: ImportReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    print(
        f"{report.rows} rows read: {report.loaded} loaded into campaign {report.campaign!r}, {report.rejected} rejected"
    )
    for reason, count in sorted(report.by_reason.items()):
        print(f"  {reason}: {count}")
    for rejection in report.rejections[:50]:
        print(f"  line {rejection.line}: {rejection.reason}: {rejection.detail}")
    if report.rejected > 50:
        print(f"  ... {report.rejected - 50} more: `tierdial lists status {report.import_id} --json` has them all")


def _lists_import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    config = load_config(args.config)
    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    terms = ListTerms(
        source=args.source,
        consent_basis=args.consent_basis,
        default_region=(args.region or config.campaign_defaults.default_region).upper(),
        name=args.name or path.name,
        imported_by=command_line_actor(),
    )
    size = path.stat().st_size
    workers = import_workers(size)
    sessions = open_database(config)
    with (
        path.open("rb") as stream,
        tqdm(total=size, unit="B", unit_scale=True, desc="importing", file=sys.stderr) as bar,
    ):
        fmt = args.format or detect_format(path, stream.read(4096))
        stream.seek(0)
        reader = RowReader(stream, path.name, fmt)
        report = import_list(
            sessions, args.campaign, reader, terms, workers=workers, progress=lambda n: bar.update(n - bar.n)
        )
    _print_report(report, args.json)
    return 0


def _lists_status(args: argparse.Namespace) -> int:
    from dialer.lists.status import import_status

    with open_database(load_config(args.config)).begin() as session:  # may mark an interrupted import failed
        status = import_status(session, args.import_id)
    if args.json:
        print(json.dumps(status, ensure_ascii=False))
    else:
        print(
            f"import {status['id']}: {status['status']}, {status['rows_read']} rows read, {status['loaded']} loaded, "
            f"{status['rejected']} rejected" + (f"; error: {status['error']}" if status["error"] else "")
        )
    return 0


def _lists_export(args: argparse.Namespace) -> int:
    from dialer.campaigns import find_campaign
    from dialer.lists.export import export_contacts

    with open_database(load_config(args.config))() as session:
        campaign = find_campaign(session, args.campaign)
        if args.out:
            with private_open(Path(args.out), "w", encoding="utf-8-sig", newline="") as out:  # people's data
                count = export_contacts(session, campaign.id, out)
            print(f"{count} contacts written to {args.out}", file=sys.stderr)
        else:
            export_contacts(session, campaign.id, sys.stdout)
    return 0


def _dnc_add(args: argparse.Namespace) -> int:
    from dialer.campaigns import find_campaign
    from dialer.dnc import add_entry
    from dialer.lists.numbers import parse_number

    config = load_config(args.config)
    phone = parse_number(args.number, (args.region or config.campaign_defaults.default_region).upper())
    with open_database(config).begin() as session:
        campaign_id = find_campaign(session, args.campaign).id if args.campaign else None
        added = add_entry(session, phone, args.reason, "cli", command_line_actor(), campaign_id)
    where = f"campaign {args.campaign!r}" if args.campaign else "every campaign"
    print(f"on the do-not-call list for {where}" if added else "already on that list")
    return 0


def _dnc_load_registry(args: argparse.Namespace) -> int:
    from dialer.dnc_registry import load_registry

    config = load_config(args.config)
    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    region = (args.region or config.campaign_defaults.default_region).upper()
    with open_database(config).begin() as session, path.open(encoding="utf-8", errors="replace") as lines:
        load = load_registry(session, lines, args.name or path.name, region)
    print(
        f"registry loaded: {load.added} new entries, {load.already_listed} already listed, "
        f"{len(load.rejected)} unreadable"
    )
    for line, reason in load.rejected[:20]:
        print(f"  line {line}: {reason}")
    return 0


def _dnc_status(args: argparse.Namespace) -> int:
    from dialer.dnc_registry import stale_registries

    with open_database(load_config(args.config))() as session:
        warnings = stale_registries(session, dt.datetime.now(dt.UTC))
    for warning in warnings:
        print(f"warning: {warning}")
    if not warnings:
        print("every do-not-call registry was loaded within the last 31 days")
    return 1 if warnings else 0


def register(commands: argparse._SubParsersAction) -> None:
    campaigns = commands.add_parser("campaigns", help="create and list campaigns").add_subparsers(
        dest="action", required=True
    )
    create = campaigns.add_parser("create", help="a new campaign with the configured defaults")
    create.add_argument("name")
    create.add_argument("--start", action="store_true", help="running at once (default: a draft)")
    create.add_argument(
        "--language", default=DEFAULT_LANGUAGE, help=f"the language the bot speaks (default {DEFAULT_LANGUAGE})"
    )
    create.set_defaults(run=_campaigns_create)
    start = campaigns.add_parser("start", help="run a draft or paused campaign")
    start.add_argument("name")
    start.set_defaults(run=_campaigns_start)
    pause = campaigns.add_parser("pause", help="stop dialling, with a reason")
    pause.add_argument("name")
    pause.add_argument("--reason", required=True)
    pause.set_defaults(run=_campaigns_pause)
    listing = campaigns.add_parser("list", help="every campaign with its status and pause reason")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_campaigns_list)

    lists = commands.add_parser("lists", help="load, check and export call lists").add_subparsers(
        dest="action", required=True
    )
    load = lists.add_parser("import", help="load a CSV or JSON Lines list; every rejected row is reported")
    load.add_argument("file")
    load.add_argument("--campaign", required=True, help="campaign name or id")
    load.add_argument("--source", required=True, help="where the numbers came from (kept with the list)")
    load.add_argument("--consent-basis", required=True, choices=CONSENT_BASES, help="the lawful basis for calling")
    load.add_argument("--region", help="region for numbers written without +country (default: the config's)")
    load.add_argument("--name", help="the list's name (default: the file name)")
    load.add_argument("--format", choices=["csv", "jsonl"], help="default: from the file name or its first line")
    load.add_argument("--json", action="store_true", help="the report as one line of JSON")
    load.set_defaults(run=_lists_import)
    status = lists.add_parser("status", help="progress and per-row report of an import")
    status.add_argument("import_id", type=int)
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=_lists_status)
    export = lists.add_parser("export", help="a campaign's contacts as CSV (safe to open in a spreadsheet)")
    export.add_argument("--campaign", required=True)
    export.add_argument("--out", help="file to write (default: standard output)")
    export.set_defaults(run=_lists_export)

    dnc = commands.add_parser("dnc", help="do-not-call registries").add_subparsers(dest="action", required=True)
    registry = dnc.add_parser("load-registry", help="a national registry file: numbers or prefixes (010123*)")
    registry.add_argument("file")
    registry.add_argument("--name", help="the registry's name (default: the file name); a reload keeps it fresh")
    registry.add_argument("--region", help="region of numbers written without +country")
    registry.set_defaults(run=_dnc_load_registry)
    add = dnc.add_parser("add", help="put a number on the internal list (every campaign) or one campaign's")
    add.add_argument("number")
    add.add_argument("--reason", required=True)
    add.add_argument("--campaign", help="only this campaign's list")
    add.add_argument("--region", help="for numbers written without a country code (default: the configured one)")
    add.set_defaults(run=_dnc_add)
    dnc.add_parser("status", help="warn about registries older than 31 days").set_defaults(run=_dnc_status)
