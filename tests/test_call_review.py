"""Reviewing calls: the newest calls, one call's transcript and tier timeline, and the CSV export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from asr.transcripts import record_final
from console.app import create_app
from dialer.models import CallAttempt, Contact
from intent.history import record_decision
from tests.helpers import add_account, api_token, migrated_sessions, seed_campaign, signed_in
from tierdial.config import parse_config
from tierdial.messages import FinalTranscript, TierDecided

HOSTILE = "<script>alert(1)</script> 가격이 얼마예요"


@pytest.fixture
def console(tmp_path: Path):  # type: ignore[no-untyped-def]
    sessions = migrated_sessions(tmp_path / "console.db")
    add_account(sessions, "ann", "agent")
    add_account(sessions, "sam", "supervisor")
    campaign_id = seed_campaign(sessions, "spring", ["+821030000001", "+821030000002"])
    with sessions.begin() as session:
        contacts = session.scalars(select(Contact.id).where(Contact.campaign_id == campaign_id)).all()
        session.add(CallAttempt(call_id="hot-1", campaign_id=campaign_id, contact_id=contacts[0],
                                caller_number="+82234567890", outcome="answered", final_tier="A", agent_name="ann",
                                disposition="appointment", notes='=HYPERLINK("http://x")'))  # fmt: skip
        session.add(CallAttempt(call_id="busy-1", campaign_id=campaign_id, contact_id=contacts[1],
                                caller_number="+82234567890", outcome="busy"))  # fmt: skip
        record_final(session, FinalTranscript("hot-1", HOSTILE, 400, 2100))
        record_decision(session, TierDecided("hot-1", "A", 0.93, ("가격",), HOSTILE, True), "v1")
    return create_app(parse_config({"data_dir": str(tmp_path)}), None, sessions), sessions


def test_a_supervisor_reviews_a_call_with_its_transcript_and_tiers(console) -> None:  # type: ignore[no-untyped-def]
    app, _ = console
    supervisor, _ = signed_in(app, "sam")
    listing = supervisor.get("/calls").get_data(as_text=True)
    assert listing.index("busy-1") < listing.index("hot-1")  # newest first
    assert "+821030000001" in listing and "appointment" in listing
    page = supervisor.get("/calls/hot-1").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 가격이 얼마예요" in page and "<script>alert" not in page
    assert "93 %" in page and "가격" in page
    assert supervisor.get("/calls/nope").status_code == 404
    assert "no campaign" in supervisor.get("/calls?campaign=winter").get_data(as_text=True)
    agent, _ = signed_in(app, "ann")
    assert agent.get("/calls").status_code == 403


def test_attempts_export_as_csv_that_a_spreadsheet_cannot_run(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions = console
    auth = {"Authorization": f"Bearer {api_token(sessions, 'attempts:read')}"}
    reply = app.test_client().get("/api/v1/attempts.csv?campaign=spring", headers=auth)
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    assert 'filename="attempts-spring.csv"' in reply.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(reply.get_data(as_text=True))))
    assert [r["call_id"] for r in rows] == ["hot-1", "busy-1"]
    assert rows[0]["notes"].startswith("'=HYPERLINK") and rows[0]["phone"] == "+821030000001"
    assert rows[1]["final_tier"] == "" and rows[1]["outcome"] == "busy"
    missing = app.test_client().get("/api/v1/attempts.csv?campaign=winter", headers=auth)
    assert missing.status_code == 404 and missing.json["error"] == "not_found"


def test_a_recorded_call_plays_on_its_review_page_and_is_erased_with_the_contact(tmp_path: Path) -> None:
    import shutil

    from dialer.privacy import erase_contact
    from tests.helpers import SPEECH

    sessions = migrated_sessions(tmp_path / "console.db")
    add_account(sessions, "ann", "agent")
    add_account(sessions, "sam", "supervisor")
    campaign_id = seed_campaign(sessions, "spring", ["+821030000001"])
    with sessions.begin() as session:
        contact = session.scalars(select(Contact.id)).one()
        for call_id in ("recorded-1", "unrecorded-1"):
            session.add(CallAttempt(call_id=call_id, campaign_id=campaign_id, contact_id=contact,
                                    caller_number="+82234567890", outcome="answered"))  # fmt: skip
    recordings = tmp_path / "recordings"  # where Asterisk's MixMonitor writes, as this host sees it
    recordings.mkdir()
    shutil.copy(SPEECH / "heldout" / "ko_A_003.wav", recordings / "recorded-1.wav")
    asterisk = {"record_calls": True, "recordings_readable_at": str(recordings)}
    config = parse_config({"data_dir": str(tmp_path), "asterisk": asterisk})
    app = create_app(config, None, sessions)
    supervisor, _ = signed_in(app, "sam")
    assert "<audio controls" in supervisor.get("/calls/recorded-1").get_data(as_text=True)
    played = supervisor.get("/calls/recorded-1/recording.wav")
    assert played.status_code == 200 and played.mimetype == "audio/wav" and played.data[:4] == b"RIFF"
    assert "<audio" not in supervisor.get("/calls/unrecorded-1").get_data(as_text=True)
    assert supervisor.get("/calls/unrecorded-1/recording.wav").status_code == 404
    assert supervisor.get("/calls/nope/recording.wav").status_code == 404
    assert signed_in(app, "ann")[0].get("/calls/recorded-1/recording.wav").status_code == 403

    with sessions.begin() as session:
        counts = erase_contact(session, "+821030000001", "KR", "tests", "request 42", recordings)
    assert counts["recordings"] == 1 and not (recordings / "recorded-1.wav").exists()
