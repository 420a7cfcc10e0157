"""Tables of the dialer: campaigns, their call lists and contacts, attempts, do-not-call."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tierdial.db import E164, Base, CreatedAt, IntPk

DEFAULT_LANGUAGE = "ko"  # a campaign's language when none is given, as every campaign made before they had one


class CampaignStatus(enum.StrEnum):
    draft = "draft"
    running = "running"
    paused = "paused"
    stopped = "stopped"


class ContactStatus(enum.StrEnum):
    new = "new"
    callback = "callback"  # a person asked to be called at next_attempt_at: served first when due
    scheduled = "scheduled"  # a retry, not before next_attempt_at
    closed = "closed"  # declined, opted out, wrong number or out of attempts


class CallOutcome(enum.StrEnum):
    in_progress = "in_progress"
    answered = "answered"
    no_answer = "no_answer"
    busy = "busy"
    machine = "machine"
    abandoned = "abandoned"
    failed = "failed"
    interrupted = "interrupted"  # the station placing it died mid-call; closed by the station that noticed


class Disposition(enum.StrEnum):
    """What the agent (or the bot) concluded, recorded at wrap-up."""

    sale = "sale"
    appointment = "appointment"
    callback = "callback"
    not_interested = "not_interested"
    do_not_call = "do_not_call"
    wrong_number = "wrong_number"
    other = "other"


class DncScope(enum.StrEnum):
    internal = "internal"  # opt-outs and agent-marked: every campaign
    campaign = "campaign"
    registry = "registry"  # imported national registry files


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[CampaignStatus] = mapped_column(Enum(CampaignStatus, native_enum=False), default="draft")
    status_reason: Mapped[str | None] = mapped_column(String(300))
    abandon_cap: Mapped[float]
    window_start: Mapped[dt.time]
    window_end: Mapped[dt.time]
    # The full calling window (weekdays, regions, holidays) as config's CallingWindow; None: start-end only.
    calling_rules: Mapped[dict | None]
    max_attempts_per_day: Mapped[int] = mapped_column(default=2)
    max_attempts_total: Mapped[int] = mapped_column(default=6)
    local_presence: Mapped[bool] = mapped_column(default=False)
    pacing: Mapped[str | None] = mapped_column(String(20))  # a supervisor's choice; None: the configured default
    retry_hours: Mapped[dict | None]  # the campaign's own retry rules (RetryHours); None: the configured ones
    # The language the bot speaks and listens for: one with a prompt set (dialer.script.languages).
    language: Mapped[str] = mapped_column(String(5), default=DEFAULT_LANGUAGE)
    created_at: Mapped[CreatedAt]

    lists: Mapped[list[CallList]] = relationship(back_populates="campaign")


class CallList(Base):
    """A loaded list. Source and consent basis are required: without them nothing is dialled."""

    __tablename__ = "call_lists"

    id: Mapped[IntPk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(300))
    consent_basis: Mapped[str] = mapped_column(String(100))
    default_region: Mapped[str] = mapped_column(String(2))
    imported_at: Mapped[CreatedAt]
    imported_by: Mapped[str | None] = mapped_column(String(100))

    campaign: Mapped[Campaign] = relationship(back_populates="lists")


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("campaign_id", "phone_e164"),
        # The hopper walks this index in order: due callbacks and retries by time, new contacts by id.
        Index("ix_contacts_hopper", "campaign_id", "status", "next_attempt_at"),
    )

    id: Mapped[IntPk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))  # indexed first in ix_contacts_hopper
    list_id: Mapped[int] = mapped_column(ForeignKey("call_lists.id"), index=True)
    phone_e164: Mapped[E164] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(2), default="")
    timezone: Mapped[str] = mapped_column(Text)  # every zone the number may be in, space-separated
    consent_evidence: Mapped[dict | None]
    status: Mapped[ContactStatus] = mapped_column(Enum(ContactStatus, native_enum=False), default="new")
    attempts: Mapped[int] = mapped_column(default=0)
    day_attempts: Mapped[int] = mapped_column(default=0)  # attempts on attempt_day, the callee's local date
    attempt_day: Mapped[dt.date | None]
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    next_attempt_at: Mapped[dt.datetime | None]
    created_at: Mapped[CreatedAt]
    # The station dialling it, from the claim until the attempt is closed: no other station serves it meanwhile.
    claimed_by: Mapped[str | None] = mapped_column(String(40), index=True)


class CallAttempt(Base):
    __tablename__ = "call_attempts"

    id: Mapped[IntPk]
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    caller_number: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[CreatedAt]
    answered_at: Mapped[dt.datetime | None]
    connected_at: Mapped[dt.datetime | None]  # an agent took the call over
    ended_at: Mapped[dt.datetime | None]
    wrapped_at: Mapped[dt.datetime | None]  # the first disposition: the agent's wrap-up ends
    outcome: Mapped[CallOutcome] = mapped_column(Enum(CallOutcome, native_enum=False), default="in_progress")
    hangup_cause: Mapped[str | None] = mapped_column(String(100))
    final_tier: Mapped[str | None] = mapped_column(String(1))
    agent_name: Mapped[str | None] = mapped_column(String(100))
    disposition: Mapped[str | None] = mapped_column(String(30))
    notes: Mapped[str | None] = mapped_column(Text)
    station: Mapped[str | None] = mapped_column(String(40), index=True)  # the station instance holding the call


class DoNotCall(Base):
    """A number (or, from a registry file, a prefix) nobody may call. Erasure keeps only its hash."""

    __tablename__ = "do_not_call"
    __table_args__ = (UniqueConstraint("phone_e164", "scope", "campaign_id"),)

    id: Mapped[IntPk]
    phone_e164: Mapped[E164] = mapped_column(String(70))  # E.164, a "+prefix*", or "sha256:<hex>" after erasure
    registry_file_id: Mapped[int | None] = mapped_column(ForeignKey("dnc_registry_files.id"), index=True)
    scope: Mapped[DncScope] = mapped_column(Enum(DncScope, native_enum=False))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    reason: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[CreatedAt]


class CampaignZone(Base):
    """The (region, time zones) pairs a campaign's contacts fall in: the hopper opens them by the clock."""

    __tablename__ = "campaign_zones"
    __table_args__ = (UniqueConstraint("campaign_id", "region", "timezone"),)

    id: Mapped[IntPk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    region: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(Text)


class DncRegistryFile(Base):
    """One loaded national registry file; a file older than 31 days is reported as stale."""

    __tablename__ = "dnc_registry_files"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(300))
    entries: Mapped[int]
    loaded_at: Mapped[CreatedAt]


class ImportStatus(enum.StrEnum):
    running = "running"
    done = "done"
    failed = "failed"  # nothing was loaded


class ListImport(Base):
    """The progress and the per-row report of one list import, for people and for the API's status endpoint."""

    __tablename__ = "list_imports"

    id: Mapped[IntPk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    list_id: Mapped[int | None] = mapped_column(ForeignKey("call_lists.id"))
    file_name: Mapped[str] = mapped_column(String(300))
    status: Mapped[ImportStatus] = mapped_column(Enum(ImportStatus, native_enum=False), default="running")
    rows_read: Mapped[int] = mapped_column(default=0)
    loaded: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    report: Mapped[dict | None]
    error: Mapped[str | None] = mapped_column(Text)
    loader: Mapped[str | None] = mapped_column(String(120))  # "host:pid:process start" of the process loading it
    started_at: Mapped[CreatedAt]
    finished_at: Mapped[dt.datetime | None]


class AgentState(Base):
    """An agent's availability changed: ready (phone up, taking calls), paused (with a reason) or offline (phone
    down). Occupancy is measured against the time ready."""

    __tablename__ = "agent_states"

    id: Mapped[IntPk]
    agent: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[CreatedAt] = mapped_column(index=True)
    # The running dialer still saw the agent so; refreshed while it runs. A state that stops being confirmed (the
    # dialer died with the agent's leg up) stops counting soon after. None: stored before confirmations existed.
    confirmed_at: Mapped[dt.datetime | None]


class CampaignPrompt(Base):
    """A campaign's own recording of one of the bot's prompts. Used only once an admin other than its uploader has
    listened and approved it: what the bot says in the organisation's name is reviewed by two people."""

    __tablename__ = "campaign_prompts"

    id: Mapped[IntPk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    name: Mapped[str] = mapped_column(String(20))  # the script's prompt it replaces: opening, question, ...
    says: Mapped[str] = mapped_column(Text)  # its words, as the uploader typed them, for the reviewer
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, approved, rejected, replaced
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[CreatedAt]
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[dt.datetime | None]
    review_note: Mapped[str | None] = mapped_column(String(300))
