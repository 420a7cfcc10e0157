"""A contact's data on request: exported whole, or erased with its do-not-call entry kept as a hash."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

from sqlalchemy import func, select, update

from asr.transcripts import record_final
from dialer.campaigns import create_campaign
from dialer.dial_check import plan_dial
from dialer.dnc import add_opt_out, number_hash
from dialer.lists.importer import ListTerms, import_list
from dialer.lists.rows import RowReader
from dialer.models import CallAttempt, Campaign, CampaignStatus, Contact, DoNotCall
from dialer.privacy import erase_contact, export_contact
from intent.history import record_decision
from number_pool.pool import sync_numbers
from tests.helpers import migrated_sessions, run_cli
from tierdial.config import CampaignDefaults, parse_config
from tierdial.messages import FinalTranscript, TierDecided

NOON_IN_SEOUL = dt.datetime(2026, 3, 3, 3, 0, tzinfo=dt.UTC)
CONFIG = parse_config(
    {
        "trunks": [{"name": "t", "uri": "sip:127.0.0.1:5070"}],
        "caller_numbers": [{"number": "+82 2 3456 7890", "trunk": "t", "region": "KR", "owned": True}],
    }
)


def _load(sessions, campaign: str, rows: str):  # type: ignore[no-untyped-def]
    terms = ListTerms("customer file", "existing_customer", "KR", "customers.csv")
    return import_list(sessions, campaign, RowReader(io.BytesIO(rows.encode()), "customers.csv", "csv"), terms)


def test_export_holds_everything_and_erasure_keeps_only_the_opt_out_as_a_hash(tmp_path: Path) -> None:
    sessions = migrated_sessions(tmp_path / "privacy.db")
    with sessions.begin() as s:
        sync_numbers(s, CONFIG.caller_numbers)
        for name in ("spring", "autumn"):
            create_campaign(s, name, CampaignDefaults(), status=CampaignStatus.running)
    for name in ("spring", "autumn"):
        _load(sessions, name, "phone,name\n010-1234-5678,김민지\n010-2222-3333,王伟\n")
    with sessions.begin() as s:
        spring = s.scalar(select(Campaign).where(Campaign.name == "spring"))
        contact = s.scalar(select(Contact).where(Contact.campaign_id == spring.id, Contact.name == "김민지"))
        plan = plan_dial(s, spring, contact, NOON_IN_SEOUL)
        s.add(
            CallAttempt(call_id="c-1", campaign_id=spring.id, contact_id=contact.id, caller_number=plan.caller_number)
        )
        record_final(s, FinalTranscript("c-1", "전화하지 마세요", 0, 1500))
        record_decision(s, TierDecided("c-1", "E", 0.99, ("전화하지",), "전화하지 마세요", True, True), "test")
        add_opt_out(s, contact.phone_e164, "opt-out during call", "call c-1")

    with sessions() as s:
        exported = export_contact(s, "010-1234-5678", "KR")
    assert exported["phone"] == "+821012345678" and len(exported["contacts"]) == 2
    assert exported["contacts"][0]["list"]["source"] == "customer file"
    assert exported["contacts"][0]["list"]["consent_basis"] == "existing_customer"
    (call,) = exported["calls"]
    assert call["transcript"][0]["text"] == "전화하지 마세요" and call["tiers"][0]["tier"] == "E"
    assert exported["do_not_call"][0]["scope"] == "internal"
    assert {"opt_out", "list_imported"} <= {entry["action"] for entry in exported["audit"]}

    with sessions.begin() as s:
        counts = erase_contact(s, "+82 10 1234 5678", "KR", "privacy officer", "request R-17")
    assert counts == {"transcript_segments": 1, "tier_decisions": 1, "calls": 1, "recordings": 0, "contacts": 2,
                      "do_not_call_kept_as_hash": 1}  # fmt: skip
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 2  # the other callee's contacts stay
        assert s.scalar(select(func.count()).where(DoNotCall.phone_e164.contains("1234"))) == 0
        (entry,) = s.scalars(select(DoNotCall))
        assert entry.phone_e164 == number_hash("+821012345678")
        assert export_contact(s, "010-1234-5678", "KR")["contacts"] == []
    report = _load(sessions, "spring", "phone\n010-1234-5678\n")  # the number comes back on a new list
    assert report.loaded == 0 and report.rejections[0].reason == "do_not_call"


def test_the_cli_exports_erases_and_manages_numbers(tmp_path: Path, cli_env: dict[str, str]) -> None:
    config = Path(cli_env["TIERDIAL_CONFIG"])
    config.write_text(
        config.read_text(encoding="utf-8")
        + "trunks: [{name: t, uri: 'sip:127.0.0.1:5070'}]\n"
        + "caller_numbers: [{number: '+82 2 3456 7890', trunk: t, region: KR, owned: true}]\n",
        encoding="utf-8",
    )
    leads = tmp_path / "leads.csv"
    leads.write_text("phone,name\n010-1234-5678,김민지\n", encoding="utf-8")
    assert run_cli("campaigns", "create", "spring", "--start", env=cli_env).returncode == 0
    load = ("lists", "import", str(leads), "--campaign", "spring", "--source", "crm", "--consent-basis", "contract")
    assert run_cli(*load, env=cli_env).returncode == 0
    exported = run_cli("contacts", "export", "010-1234-5678", env=cli_env)
    assert json.loads(exported.stdout)["contacts"][0]["name"] == "김민지"
    refused = run_cli("contacts", "erase", "010-1234-5678", "--reason", " ", env=cli_env)
    assert refused.returncode == 2 and "say why" in refused.stderr
    assert run_cli("contacts", "erase", "010-1234-5678", "--reason", "request R-18", env=cli_env).returncode == 0
    assert json.loads(run_cli("contacts", "export", "010-1234-5678", env=cli_env).stdout)["contacts"] == []

    report = ("numbers", "report", "+82234567890", "--kind", "spam_label", "--detail", "carrier label")
    assert "quarantined" in run_cli(*report, env=cli_env).stdout
    listed = json.loads(run_cli("numbers", "list", "--json", env=cli_env).stdout)
    assert listed[0]["status"] == "quarantined" and listed[0]["spam_reports"] == 1
    campaigns = json.loads(run_cli("campaigns", "list", "--json", env=cli_env).stdout)
    assert campaigns[0]["status"] == "running"  # its only contact was erased: no contact sees the number
    release = run_cli("numbers", "release", "+82234567890", "--reason", "label removed", env=cli_env)
    assert release.returncode == 0
    assert run_cli("campaigns", "pause", "spring", "--reason", "end of day", env=cli_env).returncode == 0
    assert json.loads(run_cli("campaigns", "list", "--json", env=cli_env).stdout)[0]["reason"] == "end of day"
    assert run_cli("campaigns", "start", "spring", env=cli_env).returncode == 0

    chosen = run_cli("numbers", "campaign", "spring", "+82 2 3456 7890", "--json", env=cli_env)
    row = json.loads(chosen.stdout)["numbers"][0]
    assert row["number"] == "+82234567890" and row["chosen"] and row["offered"]
    unknown = run_cli("numbers", "campaign", "spring", "+82 2 9999 0000", env=cli_env)
    assert unknown.returncode == 2 and "not one of the organisation's caller numbers" in unknown.stderr
    assert "offered" in run_cli("numbers", "campaign", "spring", "--all", env=cli_env).stdout


def test_what_callees_said_goes_after_its_retention_period_and_the_call_records_stay(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    import os

    from asr.models import TranscriptSegment
    from dialer.retention import apply_retention
    from intent.models import TierDecision
    from tierdial.audit import AuditEntry
    from tierdial.config import Retention

    sessions = migrated_sessions(tmp_path / "retention.db")
    now = dt.datetime.now(dt.UTC)
    with sessions.begin() as s:
        spring = create_campaign(s, "spring", CampaignDefaults(), status=CampaignStatus.running)
    _load(sessions, "spring", "phone\n010-1234-5678\n010-1234-5679\n")
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    with sessions.begin() as s:
        for n, (call_id, days_ago) in enumerate([("old", 400), ("recent", 10)]):
            contact = s.scalars(select(Contact).order_by(Contact.id)).all()[n]
            s.add(CallAttempt(call_id=call_id, campaign_id=spring.id, contact_id=contact.id,
                              caller_number="+82234567890", outcome="answered", final_tier="E"))  # fmt: skip
            record_final(s, FinalTranscript(call_id, "다시는 전화하지 마세요", 120, 1800))
            record_decision(
                s, TierDecided(call_id, "E", 0.99, ("전화하지마",), "다시는 전화하지 마세요", True, True), "v1"
            )
            s.flush()
            then = now - dt.timedelta(days=days_ago)
            s.execute(update(TranscriptSegment).where(TranscriptSegment.call_id == call_id).values(created_at=then))
            s.execute(update(TierDecision).where(TierDecision.call_id == call_id).values(decided_at=then))
            wav = recordings / f"{call_id}.wav"
            wav.write_bytes(b"RIFF")
            os.utime(wav, (then.timestamp(), then.timestamp()))

    with sessions.begin() as s:
        counts = apply_retention(s, Retention(transcripts_days=365, recordings_days=90), recordings, now)
    assert counts == {"transcript_segments": 1, "tier_decisions_redacted": 1, "recordings": 1}
    with sessions() as s:
        assert set(s.scalars(select(TranscriptSegment.call_id))) == {"recent"}
        decisions = {d.call_id: d for d in s.scalars(select(TierDecision))}
        assert (decisions["old"].tier, decisions["old"].source_text, decisions["old"].evidence) == ("E", "", [])
        assert decisions["recent"].source_text == "다시는 전화하지 마세요"
        assert {a.call_id: a.final_tier for a in s.scalars(select(CallAttempt))} == {"old": "E", "recent": "E"}
        assert s.scalar(select(AuditEntry.detail).where(AuditEntry.action == "retention_applied"))["recordings"] == 1
    assert [p.name for p in recordings.iterdir()] == ["recent.wav"]
    with sessions.begin() as s:  # nothing more to do: nothing deleted, nothing audited
        assert not any(apply_retention(s, Retention(), recordings, now).values())

    applied = run_cli("retention", "apply", env=cli_env)
    assert applied.returncode == 0 and "transcript segments: 0" in applied.stdout and "365 days" in applied.stdout
