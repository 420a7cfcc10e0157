"""Loading call lists: every bad row reported with its line and reason, good rows loaded, never half a file."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dialer import dnc
from dialer.campaigns import create_campaign
from dialer.dnc import add_opt_out, blocked_numbers, number_hash
from dialer.dnc_registry import load_registry, stale_registries
from dialer.lists.importer import ListTerms, import_list
from dialer.lists.rows import MAX_LINE_BYTES, RowReader
from dialer.models import CallList, CampaignStatus, Contact, DncRegistryFile, DncScope, DoNotCall, ListImport
from tests.helpers import migrated_sessions, run_cli
from tierdial.audit import AuditEntry
from tierdial.config import CampaignDefaults
from tierdial.errors import UserError

HEADER = "phone,name,consent_at,consent_channel,consent_ref\n"
TEN_MB_LINE = "010-5555-0000," + "x" * (10 * 1024 * 1024) + ",2026-10-01T09:00,web,\n"


@pytest.fixture
def sessions(tmp_path: Path):  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(tmp_path / "lists.db")
    with sessions.begin() as s:
        create_campaign(s, "spring", CampaignDefaults(), status=CampaignStatus.running)
        create_campaign(s, "autumn", CampaignDefaults())
    return sessions


def _import(sessions, text: str | bytes, basis: str = "consent", campaign: str = "spring", fmt: str = "csv"):  # type: ignore[no-untyped-def]
    data = text.encode() if isinstance(text, str) else text
    terms = ListTerms("web form 2026-10", basis, "KR", "leads.csv")
    return import_list(sessions, campaign, RowReader(io.BytesIO(data), "leads.csv", fmt), terms)


def _numbers(sessions, campaign_id: int = 1) -> dict[str, Contact]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return {c.phone_e164: c for c in s.scalars(select(Contact).where(Contact.campaign_id == campaign_id))}


def test_a_mixed_file_loads_its_good_rows_and_reports_each_bad_one(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        add_opt_out(s, "+821077770000", "opted out on an earlier call", "call c-9")
        s.add(DoNotCall(phone_e164="+821066660000", scope=DncScope.campaign, campaign_id=1, reason="asked", source="t"))
        load_registry(s, ["010-8888*", "010 4444 0000"], "national registry", "KR")
    _import(sessions, HEADER + "010-1111-2222,김민지,2026-09-01T10:00,web,\n")  # already in the campaign
    lines = [
        "010-1234-5678,김민지,2026-10-01T09:30:00+09:00,web form,",  # 2: good, Korean
        "+1 212 555 0100,John Smith,,,crm-4471",  # 3: good, English, evidence by reference
        "+86 138 0013 8000,王伟,2026-10-02,phone,",  # 4: good, Chinese
        "12345,Nobody,2026-10-01,web,",  # 5: invalid number
        "+999 1234 5678,Nowhere,2026-10-01,web,",  # 6: unknown region
        "010-2345-6789,No Consent,,,",  # 7: missing consent
        "010-1234-5678,Twice,2026-10-01,web,",  # 8: duplicate of line 2
        "010-1111-2222,Again,2026-10-01,web,",  # 9: duplicate of a contact already loaded
        "010-7777-0000,Opted Out,2026-10-01,web,",  # 10: internal do-not-call
        "010-8888-1234,Registry Prefix,2026-10-01,web,",  # 11: registry prefix
        "010-4444-0000,Registry Number,2026-10-01,web,",  # 12: registry number
        "010-6666-0000,Campaign List,2026-10-01,web,",  # 13: this campaign's do-not-call
        '"010-3333-4444"x,Broken Quote,2026-10-01,web,',  # 14: broken CSV quote (more after its closing quote)
        TEN_MB_LINE.rstrip("\n"),  # 15: a 10 MB line
        "010-9999-0000,Last Good,2026-10-03T08:00,sms,",  # 16: good, after the broken ones
    ]
    report = _import(sessions, "\ufeff" + HEADER + "\n".join(lines) + "\n")
    reasons = {r.line: r.reason for r in report.rejections}
    assert reasons == {
        5: "invalid_number",
        6: "unknown_region",
        7: "missing_consent",
        8: "duplicate",
        9: "duplicate",
        10: "do_not_call",
        11: "do_not_call",
        12: "do_not_call",
        13: "do_not_call",
        14: "broken_row",
        15: "broken_row",
    }
    assert (report.rows, report.loaded, report.rejected) == (15, 4, 11)
    assert "line 2" in next(r.detail for r in report.rejections if r.line == 8)
    contacts = _numbers(sessions)
    assert set(contacts) == {"+821011112222", "+821012345678", "+12125550100", "+8613800138000", "+821099990000"}
    assert contacts["+8613800138000"].name == "王伟" and contacts["+12125550100"].timezone == "America/New_York"
    assert contacts["+821012345678"].consent_evidence == {"at": "2026-10-01T09:30:00+09:00", "channel": "web form"}
    assert contacts["+12125550100"].consent_evidence == {"ref": "crm-4471"}
    with sessions() as s:
        job = s.get(ListImport, report.import_id)
        assert (job.status.value, job.loaded, job.rejected) == ("done", 4, 11)
        assert {r["line"] for r in job.report["rejections"]} == set(reasons)
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "list_imported")).all()[-1]
        assert entry.detail["source"] == "web form 2026-10" and entry.detail["rejected"]["do_not_call"] == 4


@pytest.mark.parametrize("block_bytes", [1, 5, 64, 70_000])
def test_rows_and_line_numbers_do_not_depend_on_where_blocks_are_cut(block_bytes: int) -> None:
    lines = ["\ufeffphone,name", "010-1234-5678,김민지", "", '010-1234-5679,"bro"ken', "x" * 70_000]
    lines += ['010-1234-5670,"Flat 3', 'High St, ""B"""', "+86 138 0013 8000,王伟"]
    # The header's BOM, a blank line, a broken quote, a line too long, a cell over two lines.
    data = "\r\n".join(lines).encode()
    rows = list(RowReader(io.BytesIO(data), "leads.csv", "csv", block_bytes=block_bytes))
    assert [(r.line, r.fields, r.error is not None) for r in rows] == [
        (2, {"phone": "010-1234-5678", "name": "김민지"}, False),
        (4, {}, True),
        (5, {}, True),
        (6, {"phone": "010-1234-5670", "name": 'Flat 3\r\nHigh St, "B"'}, False),
        (8, {"phone": "+86 138 0013 8000", "name": "王伟"}, False),
    ]


ADDRESSES = "phone,name,address,consent_ref\n"


def test_a_quoted_cell_over_several_lines_is_one_row(sessions) -> None:  # type: ignore[no-untyped-def]
    """A spreadsheet's address or note with line breaks in it: one row, reported by the line it starts on."""
    rows = [
        '010-1234-5678,김민지,"Flat 3\r\nHigh St, ""Blue"" door",form-1',  # 2-3: CRLF in the cell
        '010-2222-3333,"note:\n010-4444-5555",,form-2',  # 4-5: a number inside a cell is not a row
        "12345,Nobody,,form-3",  # 6: invalid number
        '010-1234-5678,"Twice\n\nover three lines",,form-4',  # 7-9: duplicate of line 2
        "+86 138 0013 8000,王伟,Beijing,form-5",  # 10
    ]
    report = _import(sessions, ADDRESSES + "\r\n".join(rows) + "\r\n")
    assert [(r.line, r.reason) for r in report.rejections] == [(6, "invalid_number"), (7, "duplicate")]
    assert "line 2" in report.rejections[1].detail
    assert (report.rows, report.loaded) == (5, 3)
    contacts = _numbers(sessions)
    assert set(contacts) == {"+821012345678", "+821022223333", "+8613800138000"}
    assert contacts["+821022223333"].name == "note:\n010-4444-5555"


@pytest.mark.parametrize("tail_lines", [2, 5000], ids=["a short tail", "a tail past the row limit"])
def test_a_quote_never_closed_is_reported_by_its_line_and_nothing_after_it_loads(sessions, tail_lines: int) -> None:  # type: ignore[no-untyped-def]
    rows = ["010-1111-2222,Kept,,form-1", '010-2222-3333,"Open,,form-2']
    rows += [f"010-3333-{i:04d},Inside the open cell,,form-3" for i in range(tail_lines)]
    report = _import(sessions, ADDRESSES + "\n".join(rows) + "\n")
    assert [(r.line, r.reason) for r in report.rejections] == [(3, "broken_row")]
    assert "never closed" in report.rejections[0].detail and f"{tail_lines + 1} lines" in report.rejections[0].detail
    assert (report.rows, report.loaded) == (2, 1)
    assert set(_numbers(sessions)) == {"+821011112222"}


@pytest.mark.parametrize("block_bytes", [1024, 256 * 1024], ids=["held in pieces", "in one block"])
def test_a_row_over_several_lines_too_long_is_reported_and_the_next_one_loads(sessions, block_bytes: int) -> None:  # type: ignore[no-untyped-def]
    cell = "\n".join(["x" * 1000] * 70)  # 70 KB over 70 lines
    data = ADDRESSES + f'010-1111-2222,Long,"{cell}",form-1\n010-3333-4444,After,,form-2\n'
    terms = ListTerms("web form 2026-10", "consent", "KR", "leads.csv")
    reader = RowReader(io.BytesIO(data.encode()), "leads.csv", "csv", block_bytes=block_bytes)
    report = import_list(sessions, "spring", reader, terms)
    assert [(r.line, r.reason, r.detail) for r in report.rejections] == [
        (2, "broken_row", f"row longer than {MAX_LINE_BYTES // 1024} KB (a quoted cell runs over its 70 lines)")
    ]
    assert set(_numbers(sessions)) == {"+821033334444"}


def test_a_cell_over_lines_is_read_the_same_wherever_a_block_ends() -> None:
    data = (ADDRESSES + '010-1234-5678,"Kim, ""MJ""","Flat 3\r\nHigh St\n",form-1\r\n010-1234-5679,b,,form-2').encode()
    expected = [
        (2, {"phone": "010-1234-5678", "name": 'Kim, "MJ"', "address": "Flat 3\r\nHigh St", "consent_ref": "form-1"}),
        (5, {"phone": "010-1234-5679", "name": "b", "address": "", "consent_ref": "form-2"}),
    ]
    for block_bytes in range(1, len(data) + 1):  # a block's end at every byte of the file
        rows = RowReader(io.BytesIO(data), "leads.csv", "csv", block_bytes=block_bytes)
        assert [(r.line, r.fields) for r in rows if r.error is None] == expected, block_bytes


def test_rows_over_lines_in_worker_processes_keep_their_lines(sessions) -> None:  # type: ignore[no-untyped-def]
    """Blocks cut small, each of them parsed in another process: no row split, every line number right."""
    rows = [f'010-{3000 + i // 10000}-{i % 10000:04d},n{i},"Flat {i}\nHigh St",form-{i}' for i in range(300)]
    rows[150] = '12345,bad,"a\nb\nc",form'
    terms = ListTerms("web", "consent", "KR", "big.csv")
    reader = RowReader(io.BytesIO((ADDRESSES + "\n".join(rows)).encode()), "big.csv", "csv", block_bytes=100)
    report = import_list(sessions, "spring", reader, terms, workers=2)
    assert (report.loaded, [(r.line, r.reason) for r in report.rejections]) == (299, [(302, "invalid_number")])


def test_a_quote_in_a_json_line_never_runs_over_the_next_line(sessions) -> None:  # type: ignore[no-untyped-def]
    text = '{"phone": "010-1234-5678", "name": "open\n{"phone": "010-1234-5679", "consent_ref": "f"}\n'
    report = _import(sessions, text, fmt="jsonl")
    assert [(r.line, r.reason) for r in report.rejections] == [(1, "broken_row")]
    assert set(_numbers(sessions)) == {"+821012345679"}


def test_json_lines_with_a_bom_load_like_csv(sessions) -> None:  # type: ignore[no-untyped-def]
    rows = [
        {"phone": "010-1234-5678", "name": "박서준", "consent_ref": "form-1"},
        {"phone": "+44 20 7946 0958", "name": "Jane Doe", "consent_at": "2026-10-01T09:00:00Z"},
        ["not", "an", "object"],
        {"phone": "+82 10 2222 3333", "name": "No basis"},
    ]
    text = "\ufeff" + "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{broken\n"
    report = _import(sessions, text, fmt="jsonl")
    assert report.loaded == 2
    assert {r.line: r.reason for r in report.rejections} == {3: "broken_row", 4: "missing_consent", 5: "broken_row"}
    assert _numbers(sessions)["+442079460958"].name == "Jane Doe"


def test_a_crash_in_the_middle_leaves_nothing_of_the_import(sessions) -> None:  # type: ignore[no-untyped-def]
    rows = "".join(f"010-2000-{i:04d},n{i},2026-10-01,web,\n" for i in range(100))
    chunks = 0

    def crash_after_three_chunks(_bytes: int) -> None:
        nonlocal chunks
        chunks += 1
        if chunks == 3:
            raise OSError("disk full")

    terms = ListTerms("web", "consent", "KR", "big.csv")
    reader = RowReader(io.BytesIO((HEADER + rows).encode()), "big.csv", "csv", block_bytes=300)
    with pytest.raises(OSError, match="disk full"):
        import_list(sessions, "spring", reader, terms, progress=crash_after_three_chunks)
    with sessions() as s:
        assert s.scalar(select(func.count(Contact.id))) == 0
        assert s.scalar(select(func.count(CallList.id))) == 0
        job = s.scalars(select(ListImport)).one()
        assert job.status.value == "failed" and "disk full" in job.error and job.loaded == 0


def test_big_files_are_parsed_in_worker_processes_with_the_same_result(sessions) -> None:  # type: ignore[no-untyped-def]
    rows = (
        "".join(f"010-{3000 + i // 10000}-{i % 10000:04d},n{i},2026-10-01,web,\n" for i in range(5000))
        + "bad,x,2026-10-01,web,\n"
    )
    terms = ListTerms("web", "consent", "KR", "big.csv")
    reader = RowReader(io.BytesIO((HEADER + rows).encode()), "big.csv", "csv")
    report = import_list(sessions, "spring", reader, terms, workers=2)
    assert (report.loaded, report.rejected, report.rejections[0].line) == (5000, 1, 5002)


def test_an_opt_out_applies_to_every_campaign_and_is_checked_at_import(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        add_opt_out(s, "+821012345678", "stop calling me", "call c-1")
    report = _import(sessions, HEADER + "010-1234-5678,김민지,2026-10-01,web,\n", campaign="autumn")
    assert report.loaded == 0 and report.rejections[0].reason == "do_not_call"


def test_a_registry_prefix_stops_every_number_of_its_range(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        load_registry(s, ["010-9999*"], "national registry", "KR")
        assert len(blocked_numbers(s, [f"+82109999{i:04d}" for i in range(300)] + ["+821099980000"])) == 300
    rows = "".join(f"010-9999-{i:04d},n,2026-10-01,web,\n" for i in range(300)) + "010-9998-0000,n,2026-10-01,web,\n"
    report = _import(sessions, HEADER + rows)
    assert (report.loaded, report.by_reason) == (1, {"do_not_call": 300})


@pytest.mark.parametrize("held", [True, False], ids=["list held in memory", "list looked up in batches"])
def test_screening_finds_every_kind_of_entry_whatever_the_list_size(sessions, monkeypatch, held: bool) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(dnc, "HOLD_LIMIT", 500_000 if held else 0)
    with sessions.begin() as s:
        add_opt_out(s, "+821011110000", "stop calling me", "call c-1")
        s.add(DoNotCall(phone_e164=number_hash("+821022220000"), scope=DncScope.internal, reason="erased", source="t"))
        s.add(DoNotCall(phone_e164="+821033330000", scope=DncScope.campaign, campaign_id=1, reason="asked", source="t"))
        s.add(DoNotCall(phone_e164="+821044440000", scope=DncScope.campaign, campaign_id=2, reason="asked", source="t"))
        load_registry(s, ["010-5555*"], "national registry", "KR")
    numbers = ["+821011110000", "+821022220000", "+821033330000", "+821044440000", "+821055551234", "+821066660000"]
    with sessions() as s:
        assert blocked_numbers(s, numbers, campaign_id=1) == {
            "+821011110000", "+821022220000", "+821033330000", "+821055551234"
        }  # fmt: skip


def test_a_list_without_source_or_lawful_basis_is_refused() -> None:
    with pytest.raises(UserError, match="source"):
        ListTerms("  ", "consent", "KR", "x.csv")
    with pytest.raises(UserError, match="consent basis"):
        ListTerms("web", "we bought it", "KR", "x.csv")
    with pytest.raises(UserError, match="region"):
        ListTerms("web", "consent", "XX", "x.csv")


def test_a_registry_older_than_31_days_is_reported(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        load_registry(s, ["+82 10 4444 0000"], "KR national", "KR")
        s.scalars(select(DncRegistryFile)).one().loaded_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    with sessions() as s:
        (warning,) = stale_registries(s, dt.datetime.now(dt.UTC))
        assert "KR national" in warning and "40 days" in warning
    with sessions.begin() as s:
        load_registry(s, ["+82 10 4444 0000", "+82 10 4444 0001"], "KR national", "KR")  # a fresh copy
    with sessions() as s:
        assert stale_registries(s, dt.datetime.now(dt.UTC)) == []


def test_the_cli_imports_reports_and_exports_safely(tmp_path: Path, cli_env: dict[str, str]) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text(
        HEADER + '010-1234-5678,=HYPERLINK("http://x"),2026-10-01,web,\n12345,bad,2026-10-01,web,\n',
        encoding="utf-8-sig",
    )
    assert run_cli("campaigns", "create", "spring", env=cli_env).returncode == 0
    refused = run_cli(
        "lists", "import", str(leads), "--campaign", "spring", "--source", "", "--consent-basis", "consent", env=cli_env
    )
    assert refused.returncode == 2 and "needs its source" in refused.stderr
    result = run_cli(
        "lists",
        "import",
        str(leads),
        "--campaign",
        "spring",
        "--source",
        "web form",
        "--consent-basis",
        "consent",
        "--json",
        env=cli_env,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["loaded"], report["rejections"][0]["line"], report["rejections"][0]["reason"]) == (
        1,
        3,
        "invalid_number",
    )
    status = json.loads(run_cli("lists", "status", str(report["import_id"]), "--json", env=cli_env).stdout)
    assert status["status"] == "done" and status["rejected"] == 1
    exported = run_cli("lists", "export", "--campaign", "spring", env=cli_env).stdout
    assert "'=HYPERLINK" in exported and "'+821012345678" in exported
    unknown = run_cli(
        "lists",
        "import",
        str(leads),
        "--campaign",
        "nope",
        "--source",
        "web",
        "--consent-basis",
        "consent",
        env=cli_env,
    )
    assert unknown.returncode == 2 and "no campaign 'nope'" in unknown.stderr
