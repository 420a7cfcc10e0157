"""A campaign's language: stored (campaigns made before it speak Korean), chosen at creation from the command line,
the REST API and the console, refused with the languages there are when the bot has no prompts in it, and the
prompts and the opt-out question the bot uses on a call are the campaign's language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from console.openapi import openapi_document
from dialer.call_flow import CallFlow
from dialer.campaigns import create_campaign, find_campaign
from dialer.live_calls import LiveCall
from dialer.models import CampaignStatus
from dialer.optout_check import PROMPT, OptOutCheck, question
from dialer.script import PROMPT_SETS, WHEN, languages, prompt_text, prompt_wav, script
from station.pacer import CampaignPacer
from tests.helpers import NOON_IN_SEOUL, api_token, dialling_config, free_port, migrated_sessions, run_cli
from tierdial.bus import EventBus
from tierdial.config import CampaignDefaults
from tierdial.db import make_engine
from tierdial.errors import UserError
from tierdial.schema import downgrade, upgrade


def test_campaigns_made_before_languages_speak_korean_and_the_column_goes_on_downgrade(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0017")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO campaigns (name, status, abandon_cap, window_start, window_end, max_attempts_per_day, "
                 "max_attempts_total, local_presence, created_at) "
                 "VALUES ('old', 'draft', 0.03, '09:00:00', '20:00:00', 2, 6, 0, '2026-12-01 09:00:00')")
        )  # fmt: skip
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT language FROM campaigns WHERE name = 'old'")).scalar_one() == "ko"
    downgrade(engine, "0017")
    assert "language" not in {column["name"] for column in inspect(engine).get_columns("campaigns")}
    engine.dispose()


def test_the_languages_are_those_with_a_full_prompt_set() -> None:
    assert languages() == ("en", "ko", "zh")
    for language in languages():
        texts = json.loads((PROMPT_SETS / language / "prompts.json").read_text(encoding="utf-8"))
        assert set(texts) == set(WHEN), language
        assert all(texts.values()) and all(prompt.wav.is_file() for prompt in script(language)), language


def test_the_script_is_the_campaign_languages() -> None:
    assert prompt_wav("opening", "en") == PROMPT_SETS / "en" / "opening.wav"
    assert prompt_wav("opening", "zh").parent.name == "zh"
    assert "stop calling" in prompt_text("opening", "en") and "不要再打了" in prompt_text("opening", "zh")
    assert "전화하지 마세요" in prompt_text("opening", "ko")
    for language in languages():  # the opening names the organisation; it never poses as anyone else
        opening = prompt_text("opening", language).lower()
        assert ("tierdial demo" in opening or "티어다이얼 데모" in opening) and "bank" not in opening, language
    with pytest.raises(UserError, match="no prompts in language 'fr': the bot speaks en, ko, zh"):
        script("fr")


def test_the_mandarin_reading_has_a_syllable_for_every_character() -> None:
    texts = json.loads((PROMPT_SETS / "zh" / "prompts.json").read_text(encoding="utf-8"))
    reading = json.loads((PROMPT_SETS / "zh" / "reading.json").read_text(encoding="utf-8"))
    assert set(reading) == set(texts)
    for name, words in texts.items():
        characters = re.findall(r"[\u4e00-\u9fff]", words)
        assert len(re.findall(r"[a-zü]+?[1-5]", reading[name])) == len(characters), name


def test_a_campaign_is_created_in_a_language_and_an_unknown_one_is_refused(tmp_path: Path) -> None:
    sessions = migrated_sessions(tmp_path / "t.db")
    with sessions.begin() as session:
        assert create_campaign(session, "seoul", CampaignDefaults()).language == "ko"
        assert create_campaign(session, "london", CampaignDefaults(), language="en").language == "en"
    with sessions.begin() as session, pytest.raises(UserError, match="the bot speaks en, ko, zh"):
        create_campaign(session, "paris", CampaignDefaults(), language="fr")
    with sessions() as session:
        assert find_campaign(session, "london").status is CampaignStatus.draft


@pytest.fixture
def bare_cli_env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {tmp_path / 'var'}\n", encoding="utf-8")
    return {"TIERDIAL_CONFIG": str(config)}


def test_the_command_line_creates_a_campaign_in_a_language_and_lists_it(bare_cli_env: dict[str, str]) -> None:
    assert run_cli("db", "upgrade", env=bare_cli_env).returncode == 0
    made = run_cli("campaigns", "create", "london", "--language", "en", env=bare_cli_env)
    assert made.returncode == 0 and "speaks en" in made.stdout, made.stderr
    assert run_cli("campaigns", "create", "seoul", env=bare_cli_env).returncode == 0
    refused = run_cli("campaigns", "create", "paris", "--language", "fr", env=bare_cli_env)
    assert refused.returncode == 2 and "no prompts in language 'fr': the bot speaks en, ko, zh" in refused.stderr
    listed = json.loads(run_cli("campaigns", "list", "--json", env=bare_cli_env).stdout)
    assert [(row["name"], row["language"]) for row in listed] == [("london", "en"), ("seoul", "ko")]


def test_the_api_creates_a_campaign_in_a_language(tmp_path: Path) -> None:
    from console.app import create_app
    from console.live import LiveFeed
    from tierdial.bus import EventBus
    from tierdial.config import parse_config

    sessions = migrated_sessions(tmp_path / "api.db")
    app = create_app(parse_config({"data_dir": str(tmp_path)}), LiveFeed(EventBus(), None), sessions)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(sessions, 'campaigns:write')}"}
    made = client.post("/api/v1/campaigns", json={"name": "beijing", "language": "zh"}, headers=headers)
    assert made.status_code == 201, made.json
    assert made.json == {"id": made.json["id"], "campaign": "beijing", "status": "draft", "language": "zh"}
    assert client.post("/api/v1/campaigns", json={"name": "seoul"}, headers=headers).json["language"] == "ko"
    refused = client.post("/api/v1/campaigns", json={"name": "paris", "language": "fr"}, headers=headers)
    assert refused.status_code == 400 and "the bot speaks en, ko, zh" in refused.json["message"]
    assert client.post("/api/v1/campaigns", json={"language": "en"}, headers=headers).status_code == 400
    listed = client.get("/api/v1/campaigns", headers=headers).json["campaigns"]
    assert {c["name"]: c["language"] for c in listed} == {"beijing": "zh", "seoul": "ko"}
    app.extensions["tierdial.webhooks"].stop()


def test_the_api_document_offers_the_languages_the_bot_speaks() -> None:
    assert openapi_document()["components"]["schemas"]["Language"]["enum"] == list(languages())


def test_a_call_asks_the_opt_out_question_in_its_campaigns_language() -> None:
    call = LiveCall("c1", "london", 1, 1, "+447700900123", started=0.0, language="en")
    assert call.opt_out_check.language == "en"
    assert question("en") == prompt_text(PROMPT, "en") == "Shall we stop calling this number?"
    assert question("zh") == "您希望我们以后不再拨打这个号码吗？"
    assert OptOutCheck("zh").language == "zh"


def test_a_station_paces_a_campaign_only_in_a_language_its_recogniser_hears(
    tmp_path: Path, intent_model, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    """A campaign whose callees' opt-outs would go unheard is not dialled, and the log says once what to change."""
    sessions = migrated_sessions(tmp_path / "heard.db")
    with sessions.begin() as session:
        seoul = create_campaign(session, "seoul", CampaignDefaults(), status=CampaignStatus.running).id
        create_campaign(session, "shanghai", CampaignDefaults(), status=CampaignStatus.running, language="zh")
    base = dialling_config(free_port(), data_dir=str(tmp_path / "var"))
    for also_heard, paced, told in (([], {"seoul"}, 1), (["zh"], {"seoul", "shanghai"}, 0)):
        config = base.model_copy(update={"asr": base.asr.model_copy(update={"languages": also_heard})})
        flow = CallFlow(config, sessions, intent_model, EventBus(), clock=lambda: NOON_IN_SEOUL)
        pacer = CampaignPacer(config, sessions, flow, lambda: NOON_IN_SEOUL, lines=2)
        caplog.clear()
        try:
            pacer.look()
            pacer.look()
            assert {runner.campaign_name for runner in pacer.runners.values()} == paced
            assert seoul in pacer.runners
        finally:
            pacer.let_go_all()
        unheard = [r for r in caplog.records if r.getMessage().startswith("not dialled: its callees speak zh")]
        assert len(unheard) == told and (not told or getattr(unheard[0], "campaign", "") == "shanghai")
