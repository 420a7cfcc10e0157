"""Any call list, however written: every row is loaded or reported with its line and reason, all or nothing.

Hypothesis writes list files as people and scripts do: CSV or JSON Lines, in UTF-8 with or
without its mark, UTF-16 (a spreadsheet's "Unicode text", and without its mark under an
ASCII header), with lines of latin-1 bytes;
numbers of every region in every format, cells that a spreadsheet would run as formulas,
cells with quotes and line breaks in them (a CSV row then runs over several lines),
very long fields, repeats within the file and across two files, broken rows among good
ones, read in blocks of any size. The checks are computed from what the test wrote: each line's fate, each good
number loaded once, the export safe to open, and a crash leaving the campaign as it was.
Cases a search found are kept below as regression tests.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from unittest import mock

import phonenumbers
import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from phonenumbers.phonenumberutil import SUPPORTED_REGIONS
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from dialer.campaigns import create_campaign
from dialer.lists.export import FORMULA_STARTS, export_contacts
from dialer.lists.importer import REASONS, ListTerms, import_list
from dialer.lists.numbers import NumberRejected, normalise
from dialer.lists.rows import BLOCK_BYTES, MAX_LINE_BYTES, RowReader
from dialer.models import CallList, CampaignStatus, Contact, ImportStatus, ListImport
from tierdial import bulk
from tierdial.config import CampaignDefaults
from tierdial.db import Base
from tierdial.schema import import_all_tables

REGIONS = sorted(SUPPORTED_REGIONS)
FORMATS = {
    "e164": phonenumbers.PhoneNumberFormat.E164,
    "international": phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    "rfc3966": phonenumbers.PhoneNumberFormat.RFC3966,
    "national": phonenumbers.PhoneNumberFormat.NATIONAL,  # only for KR, the list's default region
}
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le")
HEADER = ("phone", "name", "consent_ref")
# Small blocks end inside rows, and inside the cells of rows over several lines.
BLOCK_SIZES = (64, 1000, BLOCK_BYTES)
CELL_CHARACTERS = st.characters(blacklist_categories=("Cs",))


def make_sessions():  # type: ignore[no-untyped-def]
    import_all_tables()
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA foreign_keys=ON"))
    Base.metadata.create_all(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions.begin() as s:
        create_campaign(s, "spring", CampaignDefaults(), status=CampaignStatus.running)
    return sessions


@st.composite
def phones(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["region", "region", "region", "korean", "garbage", "formula", "empty"]))
    if kind in ("region", "korean"):
        region = "KR" if kind == "korean" else draw(st.sampled_from(REGIONS))
        types = [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
        example = phonenumbers.example_number_for_type(region, draw(st.sampled_from(types)))
        example = example or phonenumbers.example_number(region)
        if example is None:
            return "+" + str(draw(st.integers(1, 999)))
        names = list(FORMATS) if region == "KR" else ["e164", "international", "rfc3966"]
        return phonenumbers.format_number(example, FORMATS[draw(st.sampled_from(names))])
    if kind == "formula":
        return draw(st.sampled_from(["=", "+", "-", "@"])) + draw(st.sampled_from(["1+1", "SUM(A1)", "82 10 1234"]))
    if kind == "empty":
        return ""
    return draw(st.text(CELL_CHARACTERS, max_size=30))


def texts(max_size: int = 40) -> st.SearchStrategy[str]:
    """Cell text: any characters; often quotes and line breaks (LF, CRLF), which CSV quotes, and very long text."""
    plain = st.text(CELL_CHARACTERS, max_size=max_size)
    pieces = st.lists(st.text(CELL_CHARACTERS, max_size=12), min_size=2, max_size=4)
    lines = st.tuples(pieces, st.sampled_from(["\n", "\r\n", '"', '""', '"\n'])).map(lambda t: t[1].join(t[0]))
    formula = st.tuples(st.sampled_from(FORMULA_STARTS), plain).map("".join)
    long = st.tuples(st.sampled_from(["a", "가", "=", "+", "a\n", '"\r\n']), st.integers(1000, 70_000))
    return st.one_of(plain, lines, lines, formula, long.map(lambda t: t[0] * t[1]))


@dataclass
class Line:
    """One row the test wrote, and what it knows of it."""

    number: int  # the line it starts on
    phone: str
    name: str
    consent: str
    latin1: bool = False  # written as latin-1 bytes in a UTF-8 file
    utf8_bytes: int = 0  # of the line as written, in UTF-8

    @property
    def broken(self) -> bool:
        """A row no list reader can take: latin-1 in UTF-8, a NUL (no database stores one), longer than the limit."""
        return self.latin1 or "\0" in self.phone + self.name + self.consent or self.utf8_bytes > MAX_LINE_BYTES

    def e164(self) -> str | None:
        """The number it must load as, if its row is a good one; None if it may be anything."""
        try:
            normalised = normalise(self.phone, "KR")
        except NumberRejected:
            return None
        return normalised.e164 if normalised.zones and self.consent else None


@st.composite
def list_files(draw: st.DrawFn, earlier: list[str] | None = None) -> tuple[bytes, str, str, list[Line]]:
    """(the file, its format, its encoding, its lines): rows of drawn phones, names and consent."""
    fmt = draw(st.sampled_from(["csv", "jsonl"]))
    # UTF-16 without its mark is told by the NULs of an ASCII first line: a CSV header, not a JSON row of anything.
    encoding = draw(st.sampled_from([e for e in ENCODINGS if fmt == "csv" or e != "utf-16-le"]))
    count = draw(st.integers(0, 25))
    pool = list(earlier or [])
    lines: list[Line] = []
    first = 2 if fmt == "csv" else 1
    number = first
    for _ in range(count):
        if draw(st.integers(0, 9)) == 0:
            number += 1  # a blank line: not a row
        phone = draw(st.sampled_from(pool)) if pool and draw(st.integers(0, 4)) == 0 else draw(phones())
        pool.append(phone)
        consent = draw(st.sampled_from(["form-1", "", "=cmd|' /C calc'!A0"]))
        latin1 = encoding == "utf-8" and draw(st.integers(0, 14)) == 0
        line = Line(number, phone, draw(texts()), consent, latin1)
        text = _text(fmt, line)
        line.utf8_bytes = len(text.encode("utf-8"))
        lines.append(line)
        number += 1 + text.count("\n")  # a CSV row whose cells hold line breaks runs over several lines
    out: list[bytes] = []
    if fmt == "csv":
        out.append(_csv_line(HEADER).encode({"utf-16": "utf-16-le", "utf-8-sig": "utf-8"}.get(encoding, encoding)))
    expected = first
    for line in lines:
        while expected < line.number:
            out.append(b"")
            expected += 1
        text = _text(fmt, line)
        if line.latin1:
            out.append(text.encode("latin-1", errors="replace") + "é".encode("latin-1"))
        else:
            out.append(text.encode("utf-16-le" if encoding == "utf-16" else encoding).removeprefix(b"\xef\xbb\xbf"))
        expected += 1 + text.count("\n")
    newline = "\n".encode("utf-16-le" if encoding.startswith("utf-16") else "utf-8")
    data = newline.join(out) + newline
    if encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + data
    elif encoding == "utf-16":
        data = b"\xff\xfe" + data
    return data, fmt, encoding, lines


def _text(fmt: str, line: Line) -> str:
    if fmt == "csv":
        return _csv_line((line.phone, line.name, line.consent))
    return json.dumps({"phone": line.phone, "name": line.name, "consent_ref": line.consent}, ensure_ascii=False)


def _csv_line(cells: tuple[str, ...]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(cells)  # its line end, "\r\n", is what makes it quote a cell with either
    return out.getvalue().removesuffix("\r\n")


def _import(sessions, data: bytes, fmt: str, block_bytes: int = BLOCK_BYTES):  # type: ignore[no-untyped-def]
    terms = ListTerms("web form", "consent", "KR", "leads")
    reader = RowReader(io.BytesIO(data), f"leads.{fmt}", fmt, block_bytes=block_bytes)
    return import_list(sessions, "spring", reader, terms)


def _contacts(sessions) -> dict[str, Contact]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        found = list(s.scalars(select(Contact)))
    assert len(found) == len({c.phone_e164 for c in found}), "a number loaded twice into one campaign"
    return {c.phone_e164: c for c in found}


def check_import(
    sessions, data: bytes, fmt: str, lines: list[Line], loaded_before: dict[str, Contact], block_bytes: int
) -> None:  # type: ignore[no-untyped-def]
    report = _import(sessions, data, fmt, block_bytes)
    rejected = {r.line: r for r in report.rejections}
    note(f"rejections: {[(r.line, r.reason, r.detail[:80]) for r in report.rejections]}")
    # Every row is counted once, and is either loaded or reported with its line and a reason.
    assert report.rows == len(lines)
    assert len(rejected) == len(report.rejections) == report.rejected
    assert set(rejected) <= {line.number for line in lines}
    assert report.loaded + report.rejected == report.rows
    for rejection in report.rejections:
        assert rejection.reason in REASONS and rejection.detail and len(rejection.detail) <= 300, rejection
    contacts = _contacts(sessions)
    assert len(contacts) == len(loaded_before) + report.loaded
    # A good row loads unless its number came earlier (in this file or the campaign); a repeat is reported.
    seen = set(loaded_before)
    for line in lines:
        e164 = line.e164()
        if line.broken:
            assert line.number in rejected and rejected[line.number].reason == "broken_row", line
        elif e164 is None:
            continue  # garbage the number parser may still take: either fate is fine, and is checked above
        elif e164 in seen:
            assert rejected[line.number].reason == "duplicate", (line, rejected.get(line.number))
        else:
            assert line.number not in rejected, (line, rejected[line.number])
            assert e164 in contacts and (contacts[e164].name or "") == line.name.strip()[:200], line
        if e164 and line.number not in rejected:
            seen.add(e164)
    _check_export(sessions, contacts)


def _check_export(sessions, contacts: dict[str, Contact]) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    with sessions() as s:
        export_contacts(s, 1, out)
    exported = list(csv.reader(io.StringIO(out.getvalue())))
    assert len(exported) == len(contacts) + 1
    for row in exported[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell  # a spreadsheet would run it
        phone, name = row[1].removeprefix("'"), row[2]
        stored = contacts[phone].name or ""
        assert name == ("'" + stored if stored.startswith(FORMULA_STARTS) else stored)


@settings(
    phases=[Phase.explicit, Phase.generate],
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(data=st.data())
def test_every_row_is_loaded_or_reported_across_two_files(data: st.DataObject) -> None:
    sessions = make_sessions()
    first, fmt, encoding, lines = data.draw(list_files(), label="first file")
    block_bytes = data.draw(st.sampled_from(BLOCK_SIZES), label="block size")
    note(f"first: {fmt} {encoding} {first[:3000]!r}")
    check_import(sessions, first, fmt, lines, {}, block_bytes)
    before = _contacts(sessions)
    second, fmt, encoding, lines = data.draw(list_files([line.phone for line in lines]), label="second file")
    note(f"second: {fmt} {encoding} {second[:3000]!r}")
    check_import(sessions, second, fmt, lines, before, block_bytes)


@settings(
    phases=[Phase.explicit, Phase.generate],
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(file=list_files(), crash_at=st.integers(1, 6), block_bytes=st.sampled_from(BLOCK_SIZES))
def test_a_crash_anywhere_in_an_import_keeps_nothing_of_it(
    file: tuple[bytes, str, str, list[Line]], crash_at: int, block_bytes: int
) -> None:
    sessions = make_sessions()
    data, fmt, _, _ = file
    _import(sessions, b"phone,name,consent_ref\n+82 10 5555 0001,Kept,form-0\n", "csv")
    before = _contacts(sessions)
    runs = 0
    real_run = bulk.BulkInsert.run

    def crashing_run(self, rows):  # type: ignore[no-untyped-def]
        nonlocal runs
        runs += 1
        if runs == crash_at:
            raise RuntimeError("the machine died here")
        return real_run(self, rows)

    with mock.patch.object(bulk.BulkInsert, "run", crashing_run):
        try:
            _import(sessions, data, fmt, block_bytes)
        except RuntimeError:
            pass
        else:
            assert runs < crash_at  # the import ended before the crash point
            return
    assert _contacts(sessions).keys() == before.keys()
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(CallList)) == 1
        job = s.scalars(select(ListImport).order_by(ListImport.id.desc())).first()
        assert job is not None and job.status == ImportStatus.failed and job.loaded == 0


# Cases searches found, kept ------------------------------------------------------------------------


def test_a_cell_spanning_lines_is_one_row_not_two() -> None:
    """A quoted cell with a line break: its second half once loaded as a contact of its own, then both halves were
    reported as broken rows."""
    sessions = make_sessions()
    data = b'phone,name,consent_ref\n010-2222-3333,"note:\n010-1234-5678",form-1\n010-4444-5555,ok,form-2\n'
    report = _import(sessions, data, "csv")
    assert (report.rows, report.loaded, report.rejections) == (2, 2, [])
    contacts = _contacts(sessions)
    assert set(contacts) == {"+821022223333", "+821044445555"}
    assert contacts["+821022223333"].name == "note:\n010-1234-5678"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])
def test_a_utf16_list_loads_like_utf8(encoding: str) -> None:
    """A spreadsheet's "Unicode text": every line was reported not UTF-8, and the header skipped as blank."""
    sessions = make_sessions()
    text = "phone\tname\tconsent_ref\n010-1234-5678\t김민지\tform-1\n+86 138 0013 8000\t王伟\tform-2\n"
    report = _import(sessions, text.encode(encoding), "csv")
    assert report.loaded == 2 and report.rejections == []
    assert _contacts(sessions)["+821012345678"].name == "김민지"


def test_a_broken_utf16_line_is_reported_with_its_line() -> None:
    sessions = make_sessions()
    good = "phone,name,consent_ref\n010-1234-5678,a,form-1\n".encode("utf-16")
    broken = "010-1234-5679,b,form-1\n".encode("utf-16-le")[:-4] + b"\x00\xd8" + "\n".encode("utf-16-le")
    tail = "010-1234-5670,c,form-1\n".encode("utf-16-le")
    report = _import(sessions, good + broken + tail, "csv")
    assert [(r.line, r.reason, r.detail) for r in report.rejections] == [(3, "broken_row", "not UTF-16 text")]
    assert report.loaded == 2


def test_a_header_that_is_not_text_is_refused_with_its_line() -> None:
    """A latin-1 header was skipped as if blank, and the first row read as the header."""
    from tierdial.errors import UserError

    with pytest.raises(UserError, match="line 1: the header is not UTF-8 text"):
        _import(make_sessions(), "phone,nom,\xe9tat\n010-1234-5678,a,b\n".encode("latin-1"), "csv")


@pytest.mark.parametrize(
    "value", ['"\\u0000"', '"a\\u0000b"', '"\\ud800"', '"x\\udfff"'], ids=["nul", "nul-inside", "high", "low"]
)
def test_json_escapes_no_database_stores_are_reported(value: str) -> None:
    """A NUL (PostgreSQL refuses it) or half a surrogate pair (not encodable) failed the whole import."""
    sessions = make_sessions()
    data = (
        '{"phone": "010-1234-5678", "name": %s, "consent_ref": "f"}\n{"phone": "010-1234-5679", "consent_ref": "f"}\n'
    )
    report = _import(sessions, (data % value).encode(), "jsonl")
    assert [(r.line, r.reason) for r in report.rejections] == [(1, "broken_row")]
    assert set(_contacts(sessions)) == {"+821012345679"}
