"""Supervisors and admins manage campaigns, lists, do-not-call entries, caller numbers and accounts from forms:
each action says what it did; bad input says why, keeps what was typed, and changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from console.accounts import find_account
from console.app import create_app
from dialer.campaigns import find_campaign
from dialer.dnc import add_opt_out, is_blocked
from dialer.models import CampaignStatus, Contact
from dialer.retry import after_attempt, retry_rules
from number_pool.assignment import number_for
from number_pool.pool import sync_numbers
from tests.helpers import PASSWORD, add_account, api_token, migrated_sessions, seed_campaign, signed_in
from tierdial.audit import AuditEntry
from tierdial.config import RetryHours, parse_config

NUMBER = "+82234567890"


@pytest.fixture
def console(tmp_path: Path):  # type: ignore[no-untyped-def]
    config = parse_config({
        "data_dir": str(tmp_path / "var"),
        "trunks": [{"name": "carrier", "uri": "sip:127.0.0.1:5999"}],
        "caller_numbers": [{"number": NUMBER, "trunk": "carrier", "region": "KR", "owned": True}],
    })  # fmt: skip
    sessions = migrated_sessions(tmp_path / "console.db")
    for name, role in (("ann", "agent"), ("sam", "supervisor"), ("ada", "admin")):
        add_account(sessions, name, role)
    campaign_id = seed_campaign(sessions, "spring", ["010-2000-0001", "010-2000-0002"])
    with sessions.begin() as session:
        sync_numbers(session, config.caller_numbers)
        campaign = find_campaign(session, campaign_id)
        for contact in session.scalars(select(Contact)):
            number_for(session, contact, campaign)
    return create_app(config, None, sessions), sessions


def _text(reply) -> str:  # type: ignore[no-untyped-def]
    return reply.get_data(as_text=True)


def _log_in(app, name: str, password: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', _text(client.get("/login"))).group(1)  # type: ignore[union-attr]
    return client.post("/login", data={"name": name, "password": password, "csrf_token": csrf})


def _post(client, csrf: str, url: str, **form: object):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf, **form}, follow_redirects=True)


def test_an_agent_cannot_open_a_management_page_nor_post_to_one(console) -> None:  # type: ignore[no-untyped-def]
    app, _ = console
    agent, csrf = signed_in(app, "ann")
    for page in ("/manage/campaigns", "/manage/lists", "/manage/dnc", "/manage/numbers", "/manage/accounts"):
        assert agent.get(page).status_code == 403, page
    assert _post(agent, csrf, "/manage/dnc/add", phone="010-9999-0000", reason="x").status_code == 403
    forged = signed_in(app, "sam")[0].post("/manage/dnc/add", data={"phone": "010-9999-0000", "reason": "x"})
    assert forged.status_code == 400 and "CSRF" in _text(forged)


def test_a_number_quarantined_by_hand_pauses_its_campaign_until_released(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions = console
    supervisor, csrf = signed_in(app, "sam")
    page = _text(supervisor.get("/manage/numbers"))
    assert NUMBER in page and "spring" in page and "active" in page

    no_reason = _post(supervisor, csrf, f"/manage/numbers/{NUMBER}/quarantine", reason=" ")
    assert no_reason.status_code == 400 and "required" in _text(no_reason)
    quarantined = _post(supervisor, csrf, f"/manage/numbers/{NUMBER}/quarantine", reason="carrier warned of spam")
    assert quarantined.status_code == 200 and "campaigns paused: spring" in _text(quarantined)
    assert "carrier warned of spam" in _text(quarantined)
    with sessions() as session:
        assert find_campaign(session, "spring").status is CampaignStatus.paused

    released = _post(supervisor, csrf, f"/manage/numbers/{NUMBER}/release", reason="carrier cleared the label")
    assert "released" in _text(released)
    again = _post(supervisor, csrf, f"/manage/numbers/{NUMBER}/release", reason="twice")
    assert again.status_code == 400 and "not quarantined" in _text(again)
    with sessions() as session:
        actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == NUMBER)))
        assert {"number_quarantined", "number_released"} <= actions


def test_do_not_call_entries_are_added_searched_and_removed_with_a_reason(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions = console
    with sessions.begin() as session:
        add_opt_out(session, "+821077770001", "said: stop calling me", "call c-1")
    supervisor, csrf = signed_in(app, "sam")

    bad = _post(supervisor, csrf, "/manage/dnc/add", phone="12", reason="asked by letter")
    assert bad.status_code == 400 and 'value="asked by letter"' in _text(bad)  # the typed reason is kept
    added = _post(supervisor, csrf, "/manage/dnc/add", phone="010-7777-0002", reason="asked by letter",
                  campaign="spring")  # fmt: skip
    assert "+821077770002 added to campaign spring" in _text(added)
    with sessions() as session:
        spring = find_campaign(session, "spring").id
        assert is_blocked(session, "+821077770002", spring) and not is_blocked(session, "+821077770002")

    found = _text(supervisor.get("/manage/dnc?q=7777"))
    assert "+821077770001" in found and "kept: the callee opted out" in found
    entry_id = re.search(r"/manage/dnc/(\d+)/remove", found).group(1)  # type: ignore[union-attr]
    assert _post(supervisor, csrf, f"/manage/dnc/{entry_id}/remove", reason="").status_code == 400
    removed = _post(supervisor, csrf, f"/manage/dnc/{entry_id}/remove", reason="typed the wrong number")
    assert "taken off" in _text(removed) and "typed the wrong number" in _text(removed)  # and in the log below
    assert "at least 4 digits" in _text(supervisor.get("/manage/dnc?q=77"))
    with sessions() as session:
        assert not is_blocked(session, "+821077770002", spring) and is_blocked(session, "+821077770001")


def test_a_list_uploaded_from_the_page_shows_its_per_row_report(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions = console
    supervisor, csrf = signed_in(app, "sam")
    rows = "phone,name\n010-3000-0001,Kim\nnot a number,Lee\n010-3000-0002,Park\n"

    def upload(**form: object):  # type: ignore[no-untyped-def]
        data = {"file": (io.BytesIO(rows.encode()), "june.csv"), "campaign": "spring", **form}
        return supervisor.post("/manage/lists/upload", data={"csrf_token": csrf, **data},
                               content_type="multipart/form-data", follow_redirects=True)  # fmt: skip

    no_source = upload(consent_basis="existing_customer", source="")
    assert no_source.status_code == 400 and "source" in _text(no_source)
    bad_basis = upload(consent_basis="we bought it", source="crm export")
    assert bad_basis.status_code == 400 and 'value="crm export"' in _text(bad_basis)
    with sessions() as session:
        assert session.query(Contact).count() == 2  # the seeded ones only

    report = upload(consent_basis="existing_customer", source="crm export")
    page = _text(report)
    assert report.status_code == 200 and "june.csv: 2 contacts loaded, 1 rows rejected" in page
    assert re.search(r"<td>3</td><td>invalid number</td>", page), page  # the rejected row, by its line
    import_id = re.search(r"/manage/lists/imports/(\d+)/rejections.csv", page).group(1)  # type: ignore[union-attr]
    csv = _text(supervisor.get(f"/manage/lists/imports/{import_id}/rejections.csv"))
    assert csv.splitlines()[0] == "line,reason,detail" and csv.splitlines()[1].startswith("3,invalid_number")
    lists = _text(supervisor.get("/manage/lists"))
    assert "june.csv" in lists and "crm export" in lists and "existing_customer" in lists


def test_campaign_settings_stay_inside_the_law_and_changes_are_audited(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions = console
    supervisor, csrf = signed_in(app, "sam")
    created = _post(supervisor, csrf, "/manage/campaigns/create", name="autumn")
    assert "campaign autumn created as a draft" in _text(created)
    url = re.search(r'action="(/manage/campaigns/\d+/settings)"', _text(created)).group(1)  # type: ignore[union-attr]
    good = {"window_start": "10:00", "window_end": "19:30", "max_attempts_per_day": "1", "max_attempts_total": "4",
            "abandon_cap_percent": "2", "pacing": "progressive"}  # fmt: skip

    for field, value, said in [
        ("window_start", "07:30", "08:00-21:00"),
        ("abandon_cap_percent", "5", "at most 0.03"),
        ("max_attempts_total", "40", "up to 30"),
        ("window_end", "9pm", "a time like"),
    ]:
        refused = _post(supervisor, csrf, url, **(good | {field: value}))
        assert refused.status_code == 400 and said in _text(refused), (field, _text(refused))
        assert f'value="{value}"' in _text(refused)  # what was typed is still in the form
    saved = _post(supervisor, csrf, url, **good)
    assert "settings saved" in _text(saved)
    with sessions() as session:
        autumn = find_campaign(session, "autumn")
        assert (f"{autumn.window_start:%H:%M}", f"{autumn.window_end:%H:%M}") == ("10:00", "19:30")
        assert (autumn.max_attempts_per_day, autumn.max_attempts_total, autumn.abandon_cap, autumn.pacing) == (
            1, 4, 0.02, "progressive")  # fmt: skip
        assert autumn.calling_rules["start"] == "10:00:00"
        changes = set(session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == str(autumn.id))))
        assert changes == {"campaign_limits_changed", "campaign_cap_changed", "campaign_pacing_changed"}

    page = _text(supervisor.get(url.removesuffix("/settings")))
    assert "전화하지 마세요" in page  # the opening says how to stop calls
    assert "config.yaml&#39;s, until saved here" in page
    audio = supervisor.get("/manage/campaigns/prompts/ko/opening.wav")
    assert audio.status_code == 200 and audio.data[:4] == b"RIFF"
    assert supervisor.get("/manage/campaigns/prompts/ko/..%2Fx.wav").status_code == 404
    assert supervisor.get("/manage/campaigns/prompts/fr/opening.wav").status_code == 404


def test_supervisors_look_after_agents_and_admins_after_everyone(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions = console
    supervisor, csrf = signed_in(app, "sam")
    new_agent = {"name": "bo", "role": "agent", "password": PASSWORD, "password_again": PASSWORD}
    differ = _post(supervisor, csrf, "/manage/accounts/add", **(new_agent | {"password_again": "something else"}))
    assert differ.status_code == 400 and "differ" in _text(differ) and 'value="bo"' in _text(differ)
    assert "agent account bo created" in _text(_post(supervisor, csrf, "/manage/accounts/add", **new_agent))
    boss = _post(supervisor, csrf, "/manage/accounts/add", **(new_agent | {"name": "cy", "role": "admin"}))
    assert boss.status_code == 400 and "only an admin" in _text(boss)
    assert _post(supervisor, csrf, "/manage/accounts/ada/unlock").status_code == 400
    assert _post(supervisor, csrf, "/manage/accounts/bo/disable").status_code == 403

    for _ in range(5):  # bo forgets the password and is locked out
        assert _log_in(app, "bo", "wrong password!").status_code == 401
    assert "locked" in _text(supervisor.get("/manage/accounts"))
    assert "bo unlocked" in _text(_post(supervisor, csrf, "/manage/accounts/bo/unlock"))
    signed_in(app, "bo")

    admin, admin_csrf = signed_in(app, "ada")
    assert "bo disabled" in _text(_post(admin, admin_csrf, "/manage/accounts/bo/disable"))
    assert _log_in(app, "bo", PASSWORD).status_code == 401
    assert _post(admin, admin_csrf, "/manage/accounts/ada/disable").status_code == 400  # not oneself
    with sessions() as session:
        assert find_account(session, "bo").disabled_at is not None


def test_a_supervisor_manages_from_the_browser(console, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The management pages in Chromium at 1366x768: a list uploaded with its report, a number quarantined, a
    do-not-call search; a screenshot of each page."""
    from console.headless import chromium, log_in
    from console.server import serve_in_thread
    from tests.browser import PolicyWatch, screenshot

    app, sessions = console
    server = serve_in_thread(app, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.server_port}"
    upload = tmp_path / "june.csv"
    upload.write_text("phone,name\n010-3000-0001,Kim\n010-3000-0002,Park\n010-555,Lee\n", encoding="utf-8")
    try:
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            watch = PolicyWatch(page)
            log_in(page, base, "sam", PASSWORD)
            page.click("header >> text=Manage")
            page.click("#campaigns >> text=spring")
            page.wait_for_selector("#script audio")
            screenshot(page, "manage-campaign")
            page.select_option("#write-prompt select", "goodbye")
            page.fill("#write-prompt textarea", "시간 내 주셔서 감사합니다.")
            page.click("#write-prompt button")
            page.wait_for_selector("text=rendered from your words", timeout=60_000)
            page.locator("#uploads").scroll_into_view_if_needed()
            assert "시간 내 주셔서 감사합니다." in page.text_content("#uploads")
            screenshot(page, "manage-prompt-written")
            page.dispatch_event("#write-prompt", "submit")  # its handler only (manage.js): nothing is sent
            assert page.is_disabled("#write-prompt button") and page.is_visible("#write-prompt .busy")

            page.click("nav.manage >> text=Lists")
            page.set_input_files("input[name=file]", str(upload))
            page.fill("input[name=source]", "spring fair sign-up sheet")
            page.select_option("select[name=consent_basis]", "existing_customer")
            page.click("button:has-text('Upload')")
            page.wait_for_selector("#rejections")
            assert page.text_content("#loaded").strip() == "2" and page.text_content("#rejected").strip() == "1"
            screenshot(page, "manage-import")

            page.click("nav.manage >> text=Caller numbers")
            page.fill(f"[aria-label='reason to quarantine {NUMBER}']", "carrier reports a spam label")
            page.click("button:has-text('Quarantine')")
            page.wait_for_selector("p.said")
            assert "campaigns paused: spring" in page.text_content("p.said")
            screenshot(page, "manage-numbers")

            page.click("nav.manage >> text=Do-not-call")
            page.fill("input[name=phone]", "010-3000-0002")
            page.fill("input[name=reason]", "asked by e-mail")
            page.click("button:has-text('Add to do-not-call')")
            page.wait_for_selector("#found")
            assert "+821030000002" in page.text_content("#found")
            screenshot(page, "manage-dnc")

            page.click("nav.manage >> text=Accounts")
            page.wait_for_selector("#accounts")
            screenshot(page, "manage-accounts")
            assert watch.seen() == []  # every page's scripts ran from files, under the policy
    finally:
        server.shutdown()
    with sessions() as session:
        assert find_campaign(session, "spring").status is CampaignStatus.paused


def test_a_campaigns_own_retry_rules_decide_when_its_contacts_are_called_again(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions = console
    supervisor, csrf = signed_in(app, "sam")
    with sessions() as session:
        spring = find_campaign(session, "spring").id
    url = f"/manage/campaigns/{spring}/retry"
    rules = {"answered": "48", "no_answer": "2", "busy": "0.5", "machine": "12", "abandoned": "72"}
    too_soon = _post(supervisor, csrf, url, **(rules | {"abandoned": "24"}))
    assert too_soon.status_code == 400 and "72" in _text(too_soon) and 'value="24"' in _text(too_soon)
    assert "retry rules saved" in _text(_post(supervisor, csrf, url, **rules))

    script = {"Authorization": f"Bearer {api_token(sessions, 'campaigns:write')}"}
    patched = app.test_client().patch("/api/v1/campaigns/spring", headers=script,
                                      json={"retry_hours": {**rules, "busy": 0.25, "abandoned": 96}})  # fmt: skip
    assert patched.status_code == 200 and patched.json["retry_hours"]["busy"] == 0.25
    refused = app.test_client().patch("/api/v1/campaigns/spring", headers=script, json={"retry_hours": {"busy": -1}})
    assert refused.status_code == 400
    now = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)  # noon in Seoul
    with sessions.begin() as session:
        campaign = find_campaign(session, "spring")
        contact = session.scalars(select(Contact).where(Contact.campaign_id == campaign.id)).first()
        after_attempt(contact, campaign, "busy", None, now, retry_rules(campaign, RetryHours()))
        assert contact.next_attempt_at == now + dt.timedelta(minutes=15)  # the campaign's 0.25 h, not the default 1 h
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == str(campaign.id))).all()
        assert actions.count("campaign_retry_changed") == 2


def test_a_supervisor_chooses_the_numbers_a_campaign_offers_its_new_contacts(console) -> None:  # type: ignore[no-untyped-def]
    app, sessions = console
    second, other_city = "+82234567891", "+82 51 234 5678"
    with sessions.begin() as session:
        sync_numbers(session, parse_config({
            "trunks": [{"name": "carrier", "uri": "sip:127.0.0.1:5999"}],
            "caller_numbers": [{"number": n, "trunk": "carrier", "region": "KR", "owned": True}
                               for n in (NUMBER, second, other_city)],
        }).caller_numbers)  # fmt: skip
        spring = find_campaign(session, "spring").id
    supervisor, csrf = signed_in(app, "sam")
    page = _text(supervisor.get(f"/manage/campaigns/{spring}"))
    assert page.count('name="number"') == 3 and "every active number is offered" in page

    unknown = _post(supervisor, csrf, f"/manage/campaigns/{spring}/numbers", number=[second, "+82 2 9999 0000"])
    assert unknown.status_code == 400 and "is not one of the organisation" in _text(unknown)
    assert re.search(rf'value="{re.escape(second)}"[^>]*checked', _text(unknown))  # the ticks are kept
    chosen = _post(supervisor, csrf, f"/manage/campaigns/{spring}/numbers", number=[second])
    assert f"new contacts are given one of {second}" in _text(chosen)
    assert re.search(rf'value="{re.escape(second)}"[^>]*checked', _text(chosen))
    with sessions.begin() as session:
        campaign = find_campaign(session, "spring")
        extra = Contact(campaign_id=campaign.id, list_id=1, phone_e164="+821020000099", region="KR",
                        timezone="Asia/Seoul")  # fmt: skip
        session.add(extra)
        session.flush()
        assert number_for(session, extra, campaign).e164 == second
        seen = [number_for(session, c, campaign).e164 for c in session.scalars(select(Contact)) if c is not extra]
    assert set(seen) == {NUMBER}  # the contacts already given a number keep it

    script = {"Authorization": f"Bearer {api_token(sessions, 'campaigns:write')}"}
    patched = app.test_client().patch("/api/v1/campaigns/spring", headers=script,
                                      json={"caller_numbers": [other_city, second]})  # fmt: skip
    assert patched.status_code == 200 and patched.json["caller_numbers"] == [second, "+82512345678"]
    listed = app.test_client().get("/api/v1/campaigns", headers=script).json["campaigns"]
    assert listed[0]["caller_numbers"] == [second, "+82512345678"]
    assert app.test_client().patch("/api/v1/campaigns/spring", headers=script,
                                   json={"caller_numbers": "all"}).status_code == 400  # fmt: skip
    assert app.test_client().patch("/api/v1/campaigns/spring", headers=script,
                                   json={"caller_numbers": []}).json["caller_numbers"] == []  # fmt: skip
    with sessions() as session:
        changes = session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign_numbers_chosen")).all()
        assert [e.actor for e in changes][:1] == ["sam"] and len(changes) == 3


def test_a_prompt_written_as_text_is_rendered_to_speech_the_recogniser_understands(
    console, asr_engine, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import difflib

    from asr.audio import read_wav
    from dialer.prompt_uploads import campaign_prompts

    app, sessions = console
    with sessions() as session:
        spring = find_campaign(session, "spring").id
    url = f"/manage/campaigns/{spring}/prompts/write"
    supervisor, csrf = signed_in(app, "sam")
    english = _post(supervisor, csrf, url, name="goodbye", text="Thank you, goodbye")
    assert english.status_code == 400 and "speaks Korean" in _text(english) and "Thank you, goodbye" in _text(english)
    assert "at most 400 characters" in _text(_post(supervisor, csrf, url, name="goodbye", text="안녕 " * 150))

    words = "시간 내 주셔서 감사합니다. 좋은 하루 보내세요."
    rendered = _post(supervisor, csrf, url, name="goodbye", text=words)
    assert rendered.status_code == 200 and "rendered from your words" in _text(rendered)
    with sessions() as session:
        prompt = campaign_prompts(session, spring)[0]
        assert (prompt.name, prompt.says, prompt.status, prompt.uploaded_by) == ("goodbye", words, "pending", "sam")
    audio = supervisor.get(f"/manage/campaigns/{spring}/prompts/{prompt.id}.wav")
    assert audio.status_code == 200 and audio.mimetype == "audio/wav"
    (tmp_path / "rendered.wav").write_bytes(audio.data)
    heard = "".join(f.text for f in asr_engine.transcribe(read_wav(tmp_path / "rendered.wav"))).replace(" ", "")
    similarity = difflib.SequenceMatcher(None, heard, words.replace(" ", "").rstrip(".").replace(".", "")).ratio()
    # What a callee hears is what the supervisor wrote (the voice's Korean is plain, not perfect: CER about 0.4).
    assert "감사합니다" in heard and similarity >= 0.5, heard


def test_a_campaigns_own_prompt_plays_only_once_a_second_person_approved_it(console) -> None:  # type: ignore[no-untyped-def]
    from dialer.prompt_uploads import approved_prompt
    from tests.helpers import SPEECH

    app, sessions = console
    with sessions() as session:
        spring = find_campaign(session, "spring").id
    url = f"/manage/campaigns/{spring}/prompts"
    supervisor, csrf = signed_in(app, "sam")

    def upload(client, token: str, wav: bytes, says: str = "안녕히 계세요"):  # type: ignore[no-untyped-def]
        form = {"csrf_token": token, "name": "goodbye", "says": says, "file": (io.BytesIO(wav), "goodbye.wav")}
        return client.post(url, data=form, content_type="multipart/form-data", follow_redirects=True)

    not_audio = upload(supervisor, csrf, b"RIFF but no wave")
    assert not_audio.status_code == 400 and "the recording not a readable WAV" in _text(not_audio)
    wav = (SPEECH / "heldout" / "ko_D_031.wav").read_bytes()
    assert upload(supervisor, csrf, wav, says=" ").status_code == 400  # the reviewer needs the words
    assert "an admin listens to it" in _text(upload(supervisor, csrf, wav))
    with sessions() as session:
        assert approved_prompt(session, app.config["TIERDIAL"].data_dir, spring, "goodbye") is None  # pending

    review = re.search(rf"{url}/(\d+)/review", _text(signed_in(app, "ada")[0].get(url.removesuffix("/prompts"))))
    assert review is not None
    assert _post(supervisor, csrf, review.group(0), decision="approve").status_code == 403  # admins review
    admin, admin_csrf = signed_in(app, "ada")
    assert _post(admin, admin_csrf, review.group(0), decision="reject").status_code == 400  # a rejection says why
    approved = _post(admin, admin_csrf, review.group(0), decision="approve")
    assert "is approved" in _text(approved) and "approved by ada" in _text(approved)
    with sessions() as session:
        path = approved_prompt(session, app.config["TIERDIAL"].data_dir, spring, "goodbye")
    assert path is not None and path.read_bytes() == wav

    own = upload(admin, admin_csrf, wav, says="다시 녹음했습니다")  # an admin's own upload needs another admin
    second = re.findall(rf"{url}/(\d+)/review", _text(own))
    assert not second and "waiting for an admin who did not upload it" in _text(own)
