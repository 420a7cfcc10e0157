"""Loading a call list into a campaign: every row checked, every rejection reported, all or nothing.

Rows are parsed and numbers normalised block by block (in worker processes for big
files: `phonenumbers` is the cost), then scrubbed in order against the file itself, the campaign's contacts and every
do-not-call list, and inserted, all inside one transaction: a crash leaves the campaign
as it was. The import's progress and its per-row report are kept in `list_imports`.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from operator import attrgetter

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from dialer.campaigns import find_campaign
from dialer.dnc import Screen
from dialer.lists.numbers import NumberRejected, is_known_region, normalise
from dialer.lists.rows import Block, Layout, Row, RowReader, parse_block, phone_field
from dialer.lists.status import hold_import, loader_tag
from dialer.models import CallList, Campaign, CampaignZone, Contact, ContactStatus, ImportStatus, ListImport
from tierdial import audit
from tierdial.bulk import BulkInsert, bulk_cache
from tierdial.db import utcnow
from tierdial.errors import UserError

log = logging.getLogger(__name__)

# The lawful basis a list's contacts are called on; "consent" needs evidence on every row.
CONSENT_BASES = ("consent", "existing_customer", "contract", "legitimate_interest")
REASONS = ("invalid_number", "unknown_region", "missing_consent", "do_not_call", "duplicate", "broken_row")
NAME_COLUMNS = ("name", "full_name", "이름", "姓名", "名字")
ZONE_COLUMNS = ("timezone", "time_zone", "tz")
BIG_FILE_BYTES = 4 * 1024 * 1024  # from here on, numbers are parsed in worker processes
REPORT_LIMIT = 10_000  # rejections kept in the stored report; the counts are always complete


@dataclass(frozen=True)
class ListTerms:
    """What every list must declare: where it came from and the lawful basis for calling its contacts."""

    source: str
    consent_basis: str
    default_region: str
    name: str
    imported_by: str = "cli"

    def __post_init__(self) -> None:
        if not self.source.strip():
            raise UserError("a list needs its source (--source: where the numbers came from); nothing was loaded")
        if self.consent_basis not in CONSENT_BASES:
            raise UserError(
                f"consent basis {self.consent_basis!r} is not one of {', '.join(CONSENT_BASES)}; nothing was loaded"
            )
        if not is_known_region(self.default_region):
            raise UserError(f"unknown default region {self.default_region!r} (a two-letter country code, e.g. KR)")


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    reason: str
    detail: str


# A row ready to load: (line, e164, region, zones, name, consent evidence). Rows cross from the worker
# processes as plain tuples: pickling a dataclass per row costs twenty times as much.
Prepared = tuple[int, str, str, str, str | None, dict[str, str] | None]


@dataclass
class ImportReport:
    import_id: int
    campaign: str
    list_id: int | None
    rows: int = 0
    loaded: int = 0
    merged: int = 0  # duplicates of a contact already in the campaign whose consent evidence was added to it
    rejected: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        self.by_reason[rejection.reason] = self.by_reason.get(rejection.reason, 0) + 1
        if len(self.rejections) < REPORT_LIMIT:
            self.rejections.append(rejection)

    def as_dict(self) -> dict:
        return asdict(self)


def _evidence(fields: dict[str, str]) -> dict[str, str] | None:
    found = {k: fields[f"consent_{k}"] for k in ("at", "channel", "text", "ref") if fields.get(f"consent_{k}")}
    return found or None


def prepare(row: Row, default_region: str, needs_evidence: bool) -> Prepared | Rejection:
    """One row, checked on its own: a number that can be called and, if the basis needs it, consent evidence."""
    if row.error:
        return Rejection(row.line, "broken_row", row.error)
    fields = row.fields
    explicit_zone = next((fields[c] for c in ZONE_COLUMNS if fields.get(c)), None)
    try:
        number = normalise(phone_field(fields), default_region, explicit_zone)
    except NumberRejected as exc:
        return Rejection(row.line, exc.reason, str(exc))
    if not number.zones:
        return Rejection(row.line, "unknown_region", "the number's time zone is unknown; add a timezone column")
    evidence = _evidence(fields)
    if evidence and "at" in evidence:
        try:
            evidence["at"] = dt.datetime.fromisoformat(evidence["at"]).isoformat()
        except ValueError:
            return Rejection(row.line, "missing_consent", f"consent_at {evidence['at'][:40]!r} is not a date and time")
    if needs_evidence and not (evidence and ("at" in evidence or "ref" in evidence)):
        return Rejection(row.line, "missing_consent", "the list's basis is consent: give consent_at or consent_ref")
    name = next((fields[c][:200] for c in NAME_COLUMNS if fields.get(c)), None)
    return (row.line, number.e164, number.region, " ".join(number.zones), name, evidence)


def _prepare_block(job: tuple[Block, Layout, str, bool]) -> list[Prepared | Rejection]:
    block, layout, region, needs_evidence = job
    return [prepare(row, region, needs_evidence) for row in parse_block(block, layout)]


class _Loader:
    """Scrubs prepared rows against the file, the campaign and do-not-call, and inserts what is left."""

    COLUMNS = ("campaign_id", "list_id", "phone_e164", "name", "region", "timezone", "consent_evidence",
               "status", "attempts", "day_attempts", "created_at")  # fmt: skip

    def __init__(self, session: Session, campaign_id: int, list_id: int, report: ImportReport) -> None:
        self.session, self.campaign_id, self.list_id, self.report = session, campaign_id, list_id, report
        self.seen: dict[str, int] = {}  # number -> the line that loaded it
        self.zones: set[tuple[str, str]] = set()
        self.screen = Screen(session, campaign_id)
        # A campaign empty before this import has no contact to merge with: only the file's own repeats.
        self.campaign_had_contacts = session.scalar(
            select(Contact.id).where(Contact.campaign_id == campaign_id).limit(1)
        )
        self.contacts = BulkInsert(session, Contact.__table__, self.COLUMNS)
        self.new_status = self.contacts.driver_value("status", ContactStatus.new)
        self.no_evidence = self.contacts.driver_value("consent_evidence", None)

    def add(self, results: list[Prepared | Rejection]) -> None:
        fresh: list[Prepared] = []
        for result in results:
            self.report.rows += 1
            if isinstance(result, Rejection):
                self.report.reject(result)
            elif (first := self.seen.setdefault(result[1], result[0])) != result[0]:
                self.report.reject(Rejection(result[0], "duplicate", f"same number as line {first}"))
            else:
                fresh.append(result)
        blocked = self.screen.blocked([p[1] for p in fresh])
        existing = self._existing([p[1] for p in fresh if p[1] not in blocked])
        created_at = self.contacts.driver_value("created_at", utcnow())
        rows = []
        for line, e164, region, zones, name, evidence in fresh:
            if e164 in blocked:
                self.report.reject(Rejection(line, "do_not_call", "on a do-not-call list"))
            elif e164 in existing:
                self._merge(existing[e164], line, evidence)
            else:
                self.zones.add((region, zones))
                stored_evidence = (
                    self.contacts.driver_value("consent_evidence", evidence) if evidence else self.no_evidence
                )
                rows.append((self.campaign_id, self.list_id, e164, name, region, zones, stored_evidence,
                             self.new_status, 0, 0, created_at))  # fmt: skip
        self.contacts.run(rows)
        self.report.loaded += len(rows)

    def _existing(self, numbers: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        if self.campaign_had_contacts is None:
            return found
        query = select(Contact.phone_e164, Contact.id).where(
            Contact.campaign_id == self.campaign_id, Contact.phone_e164.in_(bindparam("numbers", expanding=True))
        )
        for start in range(0, len(numbers), 500):
            rows = self.session.execute(query, {"numbers": numbers[start : start + 500]})
            found.update((phone, contact_id) for phone, contact_id in rows)
        return found

    def _merge(self, contact_id: int, line: int, evidence: dict[str, str] | None) -> None:
        contact = self.session.get_one(Contact, contact_id)
        detail = f"already in the campaign (list {contact.list_id}); not dialled twice"
        if evidence and not contact.consent_evidence:
            contact.consent_evidence = evidence
            self.report.merged += 1
            detail += "; its consent evidence was added"
        self.report.reject(Rejection(line, "duplicate", detail))

    def finish(self) -> None:
        query = select(CampaignZone.region, CampaignZone.timezone).where(CampaignZone.campaign_id == self.campaign_id)
        known = {(region, zones) for region, zones in self.session.execute(query)}
        self.session.add_all(
            CampaignZone(campaign_id=self.campaign_id, region=r, timezone=z) for r, z in sorted(self.zones - known)
        )


def import_list(
    sessions: sessionmaker[Session],
    campaign_ref: str | int,
    reader: RowReader,
    terms: ListTerms,
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    job_id: int | None = None,
) -> ImportReport:
    """Load the rows; `job_id` is an import registered beforehand with `register_import` (else one is made)."""
    with sessions.begin() as session:
        job_id = job_id or register_import(session, campaign_ref, reader.name)
        job = session.get_one(ListImport, job_id)
        campaign_id, campaign_name = job.campaign_id, session.get_one(Campaign, job.campaign_id).name
    report = ImportReport(job_id, campaign_name, None)
    try:
        with sessions.begin() as session:
            hold_import(session, job_id)
            call_list = CallList(
                campaign_id=campaign_id,
                name=terms.name[:200],
                source=terms.source[:300],
                consent_basis=terms.consent_basis,
                default_region=terms.default_region.upper(),
                imported_by=terms.imported_by[:100],
            )
            session.add(call_list)
            session.flush()
            report.list_id = call_list.id
            loader = _Loader(session, campaign_id, call_list.id, report)
            with bulk_cache(session):
                for results in _prepared(reader, terms, workers):
                    loader.add(results)
                    if progress:
                        progress(reader.bytes_read)
            loader.finish()
            if report.loaded == 0:
                session.delete(call_list)
                report.list_id = None
            # Kept on the list, so a contact's export carries the import that brought it in (its consent record).
            subject = ("list", str(report.list_id)) if report.list_id else ("campaign", str(campaign_id))
            audit.record(
                session,
                terms.imported_by,
                "list_imported",
                *subject,
                import_id=job_id,
                list_id=report.list_id,
                source=terms.source,
                consent_basis=terms.consent_basis,
                rows=report.rows,
                loaded=report.loaded,
                rejected=report.by_reason,
            )
            # In the load's own transaction: once its lock is let go, the import is never seen running.
            report.rejections.sort(key=attrgetter("line"))
            _finish_job(session, job_id, ImportStatus.done, report)
    except BaseException as exc:
        report.rejections.sort(key=attrgetter("line"))
        with sessions.begin() as session:
            _finish_job(session, job_id, ImportStatus.failed, report, error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    log.info("list imported: %d loaded, %d rejected", report.loaded, report.rejected, extra={"campaign": campaign_name})
    return report


def import_workers(size_bytes: int) -> int:
    return min(4, os.cpu_count() or 1) if size_bytes > BIG_FILE_BYTES else 1


def register_import(session: Session, campaign_ref: str | int, file_name: str) -> int:
    """An import's job row, so its status can be followed from the moment the file is accepted."""
    campaign = find_campaign(session, campaign_ref)
    job = ListImport(campaign_id=campaign.id, file_name=file_name[:300], loader=loader_tag())
    session.add(job)
    session.flush()
    return job.id


def _prepared(reader: RowReader, terms: ListTerms, workers: int) -> Iterator[list[Prepared | Rejection]]:
    needs_evidence = terms.consent_basis == "consent"
    layout = reader.layout
    jobs = ((block, layout, terms.default_region, needs_evidence) for block in reader.blocks())
    if workers <= 1:
        yield from map(_prepare_block, jobs)
        return
    with multiprocessing.get_context("forkserver").Pool(workers) as pool:
        yield from pool.imap(_prepare_block, jobs, chunksize=1)


def _finish_job(
    session: Session, job_id: int, status: ImportStatus, report: ImportReport, error: str | None = None
) -> None:
    job = session.get_one(ListImport, job_id)
    job.status, job.error = status, error
    job.list_id = report.list_id if status is ImportStatus.done else None
    job.rows_read, job.loaded, job.rejected = report.rows, report.loaded, report.rejected
    if status is ImportStatus.failed:
        job.loaded = 0  # nothing of it was kept
    job.report = {
        "by_reason": report.by_reason,
        "merged": report.merged,
        "rejections": [asdict(r) for r in report.rejections],
    }
    job.finished_at = dt.datetime.now(dt.UTC)
