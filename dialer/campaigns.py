"""Campaigns: created from the configured defaults, found by name or id, paused with a reason."""

from __future__ import annotations

import datetime as dt

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.models import DEFAULT_LANGUAGE, Campaign, CampaignStatus
from dialer.pacing.registry import LIVE_MODES
from dialer.script import check_language
from tierdial import audit
from tierdial.config import CallingWindow, CampaignDefaults, RetryHours
from tierdial.errors import NotFound, UserError

MAX_ABANDON_CAP = 0.03
MAX_ATTEMPTS_PER_DAY, MAX_ATTEMPTS_TOTAL = 10, 30  # as config.yaml's campaign defaults allow
MAX_ID = 2**31
MAX_NAME = 120  # campaigns.name


def create_campaign(
    session: Session,
    name: str,
    defaults: CampaignDefaults,
    *,
    status: CampaignStatus = CampaignStatus.draft,
    language: str = DEFAULT_LANGUAGE,
) -> Campaign:
    """A new campaign with the configured defaults; its bot speaks `language` (one the bot has prompts in)."""
    name = name.strip()
    if not name:
        raise UserError("a campaign needs a name")
    if len(name) > MAX_NAME:
        raise UserError(f"a campaign's name is at most {MAX_NAME} characters (got {len(name)})")
    check_language(language)
    if session.scalar(select(Campaign.id).where(Campaign.name == name)) is not None:
        raise UserError(f"campaign {name!r} already exists")
    window = defaults.calling_window
    campaign = Campaign(
        name=name,
        status=status,
        abandon_cap=defaults.abandon_cap,
        window_start=window.start,
        window_end=window.end,
        calling_rules=window.model_dump(mode="json"),
        max_attempts_per_day=defaults.max_attempts_per_day,
        max_attempts_total=defaults.max_attempts_total,
        local_presence=defaults.local_presence,
        language=language,
    )
    session.add(campaign)
    session.flush()
    return campaign


def find_campaign(session: Session, name_or_id: str | int) -> Campaign:
    campaign = session.scalar(select(Campaign).where(Campaign.name == str(name_or_id)))
    text = str(name_or_id)
    if campaign is None and text.isascii() and text.isdigit() and int(text) < MAX_ID:  # not "²", nor past any id
        campaign = session.get(Campaign, int(text))
    if campaign is None:
        known = ", ".join(session.scalars(select(Campaign.name).order_by(Campaign.name).limit(10))) or "none yet"
        raise NotFound(f"no campaign {name_or_id!r} (campaigns: {known}); create it with `tierdial campaigns create`")
    return campaign


def campaign_names(session: Session) -> dict[int, str]:
    return {row.id: row.name for row in session.execute(select(Campaign.id, Campaign.name))}


def calling_window(campaign: Campaign) -> CallingWindow:
    if campaign.calling_rules:
        return CallingWindow.model_validate(campaign.calling_rules)
    return CallingWindow(start=campaign.window_start, end=campaign.window_end)


def pause_campaigns(session: Session, campaign_ids: set[int], reason: str, actor: str = "system") -> list[str]:
    """Pause every running campaign named, with a reason a supervisor sees; returns the names paused."""
    paused = []
    for campaign in session.scalars(select(Campaign).where(Campaign.id.in_(campaign_ids))):
        if campaign.status in (CampaignStatus.running, CampaignStatus.draft):
            campaign.status, campaign.status_reason = CampaignStatus.paused, reason[:300]
            audit.record(session, actor, "campaign_paused", "campaign", str(campaign.id), reason=reason)
            paused.append(campaign.name)
    return paused


def stop_campaign(session: Session, name_or_id: str | int, reason: str, actor: str) -> Campaign:
    """Stopped for good: no more dials (calls in progress end normally); unlike a pause, it is not meant to resume."""
    campaign = find_campaign(session, name_or_id)
    if campaign.status is not CampaignStatus.stopped:
        campaign.status, campaign.status_reason = CampaignStatus.stopped, reason[:300]
        audit.record(session, actor, "campaign_stopped", "campaign", str(campaign.id), reason=reason)
    return campaign


def tune_campaign(
    session: Session, name_or_id: str | int, actor: str, abandon_cap: float | None = None, pacing: str | None = None
) -> Campaign:
    """A new abandonment cap (never above the 3 % the product allows) or pacing mode; a running dialer takes it up
    within a second."""
    campaign = find_campaign(session, name_or_id)
    if abandon_cap is not None:
        if not 0 < abandon_cap <= MAX_ABANDON_CAP:
            raise UserError(
                f"abandon_cap: above 0 and at most {MAX_ABANDON_CAP} (3 % of live answers); got {abandon_cap}"
            )
        audit.record(session, actor, "campaign_cap_changed", "campaign", str(campaign.id), was=campaign.abandon_cap,
                     now=abandon_cap)  # fmt: skip
        campaign.abandon_cap = abandon_cap
    if pacing is not None:
        if pacing not in LIVE_MODES:
            raise UserError(f"pacing: one of {', '.join(LIVE_MODES)} (got {pacing!r})")
        audit.record(session, actor, "campaign_pacing_changed", "campaign", str(campaign.id), was=campaign.pacing,
                     now=pacing)  # fmt: skip
        campaign.pacing = pacing
    return campaign


def start_campaign(session: Session, name_or_id: str | int, actor: str) -> Campaign:
    """Running again; the pause reason is kept in the audit log, not on the campaign."""
    campaign = find_campaign(session, name_or_id)
    if campaign.status is not CampaignStatus.running:
        audit.record(session, actor, "campaign_started", "campaign", str(campaign.id), was=campaign.status.value,
                     reason_cleared=campaign.status_reason)  # fmt: skip
        campaign.status, campaign.status_reason = CampaignStatus.running, None
    return campaign


def campaign_summaries(session: Session) -> list[dict[str, object]]:
    """Every campaign with its state and limits, newest first: what a supervisor or a script reads."""
    return [
        {
            "id": c.id,
            "name": c.name,
            "status": c.status.value,
            "status_reason": c.status_reason,
            "language": c.language,
            "abandon_cap": c.abandon_cap,
            "pacing": c.pacing,
            "window": f"{c.window_start:%H:%M}-{c.window_end:%H:%M}",
            "max_attempts_per_day": c.max_attempts_per_day,
            "max_attempts_total": c.max_attempts_total,
            "retry_hours": c.retry_hours,
        }
        for c in session.scalars(select(Campaign).order_by(Campaign.id.desc()))
    ]


def set_campaign_limits(
    session: Session,
    name_or_id: str | int,
    actor: str,
    window_start: dt.time,
    window_end: dt.time,
    max_attempts_per_day: int,
    max_attempts_total: int,
) -> Campaign:
    """The campaign's calling window (callee's local time, inside 08:00-21:00) and attempt caps; weekday and
    regional rules and holidays it has stay as they are."""
    campaign = find_campaign(session, name_or_id)
    try:
        window = calling_window(campaign).model_copy(update={"start": window_start, "end": window_end})
        window = type(window).model_validate(window.model_dump())
    except ValidationError as exc:
        raise UserError(f"calling window: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None
    if not 1 <= max_attempts_per_day <= MAX_ATTEMPTS_PER_DAY:
        raise UserError(f"attempts per day: 1 to {MAX_ATTEMPTS_PER_DAY}")
    if not max_attempts_per_day <= max_attempts_total <= MAX_ATTEMPTS_TOTAL:
        raise UserError(f"attempts in all: from the attempts per day up to {MAX_ATTEMPTS_TOTAL}")
    was = {"window": f"{campaign.window_start:%H:%M}-{campaign.window_end:%H:%M}",
           "per_day": campaign.max_attempts_per_day, "total": campaign.max_attempts_total}  # fmt: skip
    campaign.window_start, campaign.window_end = window.start, window.end
    campaign.calling_rules = window.model_dump(mode="json")
    campaign.max_attempts_per_day, campaign.max_attempts_total = max_attempts_per_day, max_attempts_total
    audit.record(session, actor, "campaign_limits_changed", "campaign", str(campaign.id), was=was,
                 now={"window": f"{window.start:%H:%M}-{window.end:%H:%M}", "per_day": max_attempts_per_day,
                      "total": max_attempts_total})  # fmt: skip
    return campaign


def set_retry_rules(session: Session, name_or_id: str | int, actor: str, hours: dict[str, float]) -> Campaign:
    """Hours before the next attempt after each outcome, for this campaign; an abandoned callee waits at least 72."""
    campaign = find_campaign(session, name_or_id)
    try:
        rules = RetryHours.model_validate(hours)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "retry rules"
        raise UserError(f"retry after {field.replace('_', ' ')}: {error['msg'].lower()} (hours)") from None
    audit.record(session, actor, "campaign_retry_changed", "campaign", str(campaign.id), was=campaign.retry_hours,
                 now=rules.model_dump())  # fmt: skip
    campaign.retry_hours = rules.model_dump()
    return campaign
