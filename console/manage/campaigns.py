"""`/manage/campaigns`: create a campaign; its calling window, attempt caps, abandonment cap and pacing; the lists
it dials, the caller numbers it offers, its retry rules and the bot's script, each prompt playable, with the
campaign's own prompts recorded or written as text, each reviewed by a second person."""

from __future__ import annotations

import datetime as dt
import math

from flask import Blueprint, abort, current_app, g, render_template, request, send_file
from werkzeug.wrappers import Response

from console.auth import MANAGERS, page_for, sessions
from console.manage.forms import done, required, show_errors_on
from console.models import Role
from dialer.campaigns import (
    campaign_summaries,
    create_campaign,
    find_campaign,
    set_campaign_limits,
    set_retry_rules,
    tune_campaign,
)
from dialer.lists.listing import list_summaries
from dialer.models import DEFAULT_LANGUAGE
from dialer.pacing.registry import LIVE_MODES
from dialer.prompt_uploads import campaign_prompts, prompt_file, review_prompt, upload_prompt
from dialer.retry import retry_rules
from dialer.script import languages, prompt_wav, script
from dialer.speech_render import render_prompt
from number_pool.campaign_numbers import campaign_number_rows, choose_numbers
from tierdial.config import Config
from tierdial.errors import UserError

manage_campaigns = Blueprint("manage_campaigns", __name__, url_prefix="/manage/campaigns")


def _page(error: str | None = None) -> str:
    campaign_id = (request.view_args or {}).get("campaign_id")
    if campaign_id is None:
        with sessions()() as session:
            return render_template("manage/campaigns.html", campaigns=campaign_summaries(session), error=error,
                                   languages=languages(), default_language=DEFAULT_LANGUAGE)  # fmt: skip
    config: Config = current_app.config["TIERDIAL"]
    with sessions()() as session:
        campaign = find_campaign(session, campaign_id)
        numbers = campaign_number_rows(session, campaign.id)
        return render_template(
            "manage/campaign.html", campaign=campaign, lists=list_summaries(session, campaign.id), numbers=numbers,
            retry=retry_rules(campaign, config.campaign_defaults.retry_hours), script=script(campaign.language),
            modes=LIVE_MODES, error=error,
            default_pacing=config.campaign_defaults.pacing, retry_fields=RETRY_FIELDS,
            uploads=campaign_prompts(session, campaign.id),
        )  # fmt: skip


show_errors_on(manage_campaigns, _page)


@manage_campaigns.get("")
@page_for(*MANAGERS)
def campaigns() -> str:
    return _page()


@manage_campaigns.post("/create")
@page_for(*MANAGERS)
def create() -> Response:
    config: Config = current_app.config["TIERDIAL"]
    with sessions().begin() as session:
        language = request.form.get("language") or DEFAULT_LANGUAGE
        name = required("name", "the campaign's name")
        campaign = create_campaign(session, name, config.campaign_defaults, language=language)
        campaign_id, name = campaign.id, campaign.name
    message = f"campaign {name} created as a draft: check its settings, upload a list, then start it"
    return done(message, ".campaign", campaign_id=campaign_id)


@manage_campaigns.get("/<int(max=2147483647):campaign_id>")
@page_for(*MANAGERS)
def campaign(campaign_id: int) -> str:
    return _page()


def _time(field: str, what: str) -> dt.time:
    try:
        return dt.time.fromisoformat(required(field, what))
    except ValueError:
        raise UserError(f"{what}: a time like 09:00") from None


def _number(field: str, what: str, kind: type[int] | type[float]) -> int | float:
    text = required(field, what)
    try:
        value = kind(text)
    except ValueError:
        raise UserError(f"{what}: a number (got {text!r})") from None
    if not math.isfinite(value):
        raise UserError(f"{what}: a finite number")
    return value


@manage_campaigns.post("/<int(max=2147483647):campaign_id>/settings")
@page_for(*MANAGERS)
def settings(campaign_id: int) -> Response:
    start, end = _time("window_start", "calls from"), _time("window_end", "calls until")
    per_day = int(_number("max_attempts_per_day", "attempts per contact and day", int))
    total = int(_number("max_attempts_total", "attempts per contact in all", int))
    cap = _number("abandon_cap_percent", "abandonment cap (%)", float) / 100
    pacing = request.form.get("pacing") or None
    with sessions().begin() as session:
        found = set_campaign_limits(session, campaign_id, g.actor, start, end, per_day, total)
        cap = None if abs(cap - found.abandon_cap) < 1e-9 else round(cap, 6)  # the audit log keeps real changes only
        tune_campaign(session, campaign_id, g.actor, cap, None if pacing == found.pacing else pacing)
        name = found.name
    return done(f"{name}: settings saved; a running dialer takes them up within a second", ".campaign",
                campaign_id=campaign_id)  # fmt: skip


RETRY_FIELDS = {"answered": "after an answered call", "no_answer": "after no answer", "busy": "after busy",
                "machine": "after an answering machine", "abandoned": "after an abandoned call"}  # fmt: skip


@manage_campaigns.post("/<int(max=2147483647):campaign_id>/retry")
@page_for(*MANAGERS)
def retry(campaign_id: int) -> Response:
    hours = {name: _number(name, f"retry {what} (hours)", float) for name, what in RETRY_FIELDS.items()}
    with sessions().begin() as session:
        name = set_retry_rules(session, campaign_id, g.actor, hours).name
    return done(f"{name}: retry rules saved; they apply from the next attempt that ends", ".campaign",
                campaign_id=campaign_id)  # fmt: skip


@manage_campaigns.post("/<int(max=2147483647):campaign_id>/numbers")
@page_for(*MANAGERS)
def numbers(campaign_id: int) -> Response:
    """The numbers offered to the campaign's new contacts; none ticked offers every active number."""
    chosen = request.form.getlist("number")
    with sessions().begin() as session:
        campaign = find_campaign(session, campaign_id)
        choose_numbers(session, campaign.id, chosen, g.actor)
        name = campaign.name
    offered = ", ".join(chosen) if chosen else "every active number"
    return done(f"{name}: new contacts are given one of {offered}; contacts already called keep theirs", ".campaign",
                campaign_id=campaign_id)  # fmt: skip


@manage_campaigns.post("/<int(max=2147483647):campaign_id>/prompts")
@page_for(*MANAGERS)
def upload(campaign_id: int) -> Response:
    """A recording of one prompt for this campaign, with the words it says; an admin reviews it."""
    config: Config = current_app.config["TIERDIAL"]
    file = request.files.get("file")
    if file is None or not file.filename:
        raise UserError("choose the recording (a mono WAV, 16-bit, 8 or 16 kHz)")
    with sessions().begin() as session:
        prompt = upload_prompt(session, config.data_dir, campaign_id, required("name", "which prompt"), file.read(),
                               request.form.get("says", ""), g.actor)  # fmt: skip
        name = prompt.name
    return done(f"recording of the {name} prompt uploaded: an admin listens to it before the bot plays it",
                ".campaign", campaign_id=campaign_id)  # fmt: skip


@manage_campaigns.post("/<int(max=2147483647):campaign_id>/prompts/write")
@page_for(*MANAGERS)
def write(campaign_id: int) -> Response:
    """A prompt written as text, rendered to speech once; reviewed like an uploaded recording."""
    config: Config = current_app.config["TIERDIAL"]
    text, name = request.form.get("text", ""), required("name", "which prompt")
    with sessions()() as session:
        language = find_campaign(session, campaign_id).language  # a missing one says so before seconds of rendering
    wav = render_prompt(text, language)
    with sessions().begin() as session:
        prompt = upload_prompt(session, config.data_dir, campaign_id, name, wav, text, g.actor)
        name = prompt.name
    return done(f"the {name} prompt was rendered from your words: listen to it below; an admin approves it before "
                "the bot plays it", ".campaign", campaign_id=campaign_id)  # fmt: skip


@manage_campaigns.post("/<int(max=2147483647):campaign_id>/prompts/<int(max=2147483647):prompt_id>/review")
@page_for(Role.admin)
def review(campaign_id: int, prompt_id: int) -> Response:
    approve = request.form.get("decision") == "approve"
    with sessions().begin() as session:
        prompt = review_prompt(session, prompt_id, approve, request.form.get("note", ""), g.actor)
        name, status = prompt.name, prompt.status
    return done(f"the {name} recording is {status}", ".campaign", campaign_id=campaign_id)


@manage_campaigns.get("/<int(max=2147483647):campaign_id>/prompts/<int(max=2147483647):prompt_id>.wav")
@page_for(*MANAGERS)
def uploaded_audio(campaign_id: int, prompt_id: int) -> Response:
    config: Config = current_app.config["TIERDIAL"]
    with sessions()() as session:
        prompt = next((p for p in campaign_prompts(session, campaign_id) if p.id == prompt_id), None)
        path = prompt_file(config.data_dir, prompt) if prompt is not None else None
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, mimetype="audio/wav")


@manage_campaigns.get("/prompts/<language>/<name>.wav")
@page_for(*MANAGERS)
def prompt_audio(language: str, name: str) -> Response:
    if language not in languages():
        abort(404)
    try:
        return send_file(prompt_wav(name, language), mimetype="audio/wav")
    except KeyError:
        abort(404)
