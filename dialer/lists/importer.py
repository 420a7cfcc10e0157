"""Loading a call list into a campaign: every row checked, every rejection reported, all or nothing.

Rows are normalised (in worker processes for big files: `phonenumbers` is the cost),
then scrubbed in order against the file itself, the campaign's contacts and every
do-not-call list, and inserted, all inside one transaction: a crash leaves the campaign
as it was. The import's progress and its per-row report are kept in `list_imports`.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session, sessionmaker

from dialer.campaigns import find_campaign
from dialer.dnc import Screen
from dialer.lists.numbers import NumberRejected, is_known_region, normalise
from dialer.lists.rows import Row, RowReader, phone_field
from dialer.models import CallList, Campaign, CampaignZone, Contact, ImportStatus, ListImport
from tierdial import audit
from tierdial.errors import UserError

log = logging.getLogger(__name__)

# The lawful basis a list's contacts are called on; "consent" needs evidence on every row.
CONSENT_BASES = ("consent", "existing_customer", "contract", "legitimate_interest")
REASONS = ("invalid_number", "unknown_region", "missing_consent", "do_not_call", "duplicate", "broken_row")
NAME_COLUMNS = ("name", "full_name", "이름", "姓名", "名字")
ZONE_COLUMNS = ("timezone", "time_zone", "tz")
CHUNK = 2000
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


@dataclass(frozen=True, slots=True)
class Prepared:
    line: int
    e164: str
    region: str
    zones: str
    name: str | None
    evidence: dict[str, str] | None


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
    return Prepared(row.line, number.e164, number.region, " ".join(number.zones), name, evidence)


def _prepare_chunk(args: tuple[list[Row], str, bool]) -> list[Prepared | Rejection]:
    rows, region, needs_evidence = args
    return [prepare(r, region, needs_evidence) for r in rows]


def _chunks(rows: Iterable[Row]) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


class _Loader:
    """Scrubs prepared rows against the file, the campaign and do-not-call, and inserts what is left."""

    def __init__(self, session: Session, campaign_id: int, list_id: int, report: ImportReport) -> None:
        self.session, self.campaign_id, self.list_id, self.report = session, campaign_id, list_id, report
        self.seen: dict[str, int] = {}  # number -> the line that loaded it
        self.zones: set[tuple[str, str]] = set()
        self.screen = Screen(session, campaign_id)
        # A campaign empty before this import has no contact to merge with: only the file's own repeats.
        self.campaign_had_contacts = session.scalar(
            select(Contact.id).where(Contact.campaign_id == campaign_id).limit(1)
        )

    def add(self, results: list[Prepared | Rejection]) -> None:
        fresh: list[Prepared] = []
        for result in results:
            self.report.rows += 1
            if isinstance(result, Rejection):
                self.report.reject(result)
            elif result.e164 in self.seen:
                self.report.reject(Rejection(result.line, "duplicate", f"same number as line {self.seen[result.e164]}"))
            else:
                self.seen[result.e164] = result.line
                fresh.append(result)
        blocked = self.screen.blocked([p.e164 for p in fresh])
        existing = self._existing([p.e164 for p in fresh if p.e164 not in blocked])
        rows = []
        for p in fresh:
            if p.e164 in blocked:
                self.report.reject(Rejection(p.line, "do_not_call", "on a do-not-call list"))
            elif p.e164 in existing:
                self._merge(existing[p.e164], p)
            else:
                self.zones.add((p.region, p.zones))
                rows.append(
                    {
                        "campaign_id": self.campaign_id,
                        "list_id": self.list_id,
                        "phone_e164": p.e164,
                        "name": p.name,
                        "region": p.region,
                        "timezone": p.zones,
                        "consent_evidence": p.evidence,
                    }
                )
        if rows:
            self.session.execute(insert(Contact.__table__), rows)  # Core executemany: no ORM objects per row
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

    def _merge(self, contact_id: int, row: Prepared) -> None:
        contact = self.session.get_one(Contact, contact_id)
        detail = f"already in the campaign (list {contact.list_id}); not dialled twice"
        if row.evidence and not contact.consent_evidence:
            contact.consent_evidence = row.evidence
            self.report.merged += 1
            detail += "; its consent evidence was added"
        self.report.reject(Rejection(row.line, "duplicate", detail))

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
            for results in _prepared(reader, terms, workers):
                loader.add(results)
                if progress:
                    progress(reader.bytes_read)
            loader.finish()
            if report.loaded == 0:
                session.delete(call_list)
                report.list_id = None
            audit.record(
                session,
                terms.imported_by,
                "list_imported",
                "campaign",
                str(campaign_id),
                import_id=job_id,
                list_id=report.list_id,
                source=terms.source,
                consent_basis=terms.consent_basis,
                rows=report.rows,
                loaded=report.loaded,
                rejected=report.by_reason,
            )
    except BaseException as exc:
        _finish_job(sessions, job_id, ImportStatus.failed, report, error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    _finish_job(sessions, job_id, ImportStatus.done, report)
    log.info("list imported: %d loaded, %d rejected", report.loaded, report.rejected, extra={"campaign": campaign_name})
    return report


def import_workers(size_bytes: int) -> int:
    return min(4, os.cpu_count() or 1) if size_bytes > BIG_FILE_BYTES else 1


def register_import(session: Session, campaign_ref: str | int, file_name: str) -> int:
    """An import's job row, so its status can be followed from the moment the file is accepted."""
    campaign = find_campaign(session, campaign_ref)
    job = ListImport(campaign_id=campaign.id, file_name=file_name[:300])
    session.add(job)
    session.flush()
    return job.id


def _prepared(reader: RowReader, terms: ListTerms, workers: int) -> Iterator[list[Prepared | Rejection]]:
    needs_evidence = terms.consent_basis == "consent"
    jobs = ((chunk, terms.default_region, needs_evidence) for chunk in _chunks(reader))
    if workers <= 1:
        yield from map(_prepare_chunk, jobs)
        return
    with multiprocessing.get_context("forkserver").Pool(workers) as pool:
        yield from pool.imap(_prepare_chunk, jobs, chunksize=1)


def _finish_job(
    sessions: sessionmaker[Session], job_id: int, status: ImportStatus, report: ImportReport, error: str | None = None
) -> None:
    with sessions.begin() as session:
        job = session.get(ListImport, job_id)
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
