"""Tables of the dialer: campaigns, their call lists and contacts, attempts, do-not-call."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tierdial.db import E164, Base, CreatedAt, IntPk


class CampaignStatus(enum.StrEnum):
    draft = "draft"
    running = "running"
    paused = "paused"
    stopped = "stopped"


class ContactStatus(enum.StrEnum):
    new = "new"
    scheduled = "scheduled"
    closed = "closed"  # declined, opted out, wrong number or out of attempts


class CallOutcome(enum.StrEnum):
    in_progress = "in_progress"
    answered = "answered"
    no_answer = "no_answer"
    busy = "busy"
    machine = "machine"
    abandoned = "abandoned"
    failed = "failed"


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

    campaign: Mapped[Campaign] = relationship(back_populates="lists")


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("campaign_id", "phone_e164"),)

    id: Mapped[IntPk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("call_lists.id"), index=True)
    phone_e164: Mapped[E164] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    consent_evidence: Mapped[dict | None]
    status: Mapped[ContactStatus] = mapped_column(Enum(ContactStatus, native_enum=False), default="new")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    created_at: Mapped[CreatedAt]


class CallAttempt(Base):
    __tablename__ = "call_attempts"

    id: Mapped[IntPk]
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    caller_number: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[CreatedAt]
    answered_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]
    outcome: Mapped[CallOutcome] = mapped_column(Enum(CallOutcome, native_enum=False), default="in_progress")
    hangup_cause: Mapped[str | None] = mapped_column(String(100))
    final_tier: Mapped[str | None] = mapped_column(String(1))
    agent_name: Mapped[str | None] = mapped_column(String(100))
    disposition: Mapped[str | None] = mapped_column(String(30))
    notes: Mapped[str | None] = mapped_column(Text)


class DoNotCall(Base):
    __tablename__ = "do_not_call"
    __table_args__ = (UniqueConstraint("phone_e164", "scope", "campaign_id"),)

    id: Mapped[IntPk]
    phone_e164: Mapped[E164] = mapped_column(String(16))
    scope: Mapped[DncScope] = mapped_column(Enum(DncScope, native_enum=False))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    reason: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[CreatedAt]
