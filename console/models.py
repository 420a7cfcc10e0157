"""Table of the people who use the console."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tierdial.db import Base, CreatedAt, IntPk


class Role(enum.StrEnum):
    agent = "agent"
    supervisor = "supervisor"
    admin = "admin"


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False), default="agent")
    password_hash: Mapped[str | None] = mapped_column(String(300))
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")  # in a row
    locked_until: Mapped[dt.datetime | None]
    disabled_at: Mapped[dt.datetime | None]  # a person who left: kept for the records, cannot log in
    created_at: Mapped[CreatedAt]


class ApiToken(Base):
    """A script's key to the API: only its hash is stored; scopes say what it may do."""

    __tablename__ = "api_tokens"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(300))  # space-separated
    created_at: Mapped[CreatedAt]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]


class KpiTarget(Base):
    """A supervisor's target for one KPI, for one campaign or (no campaign) for all of them together."""

    __tablename__ = "kpi_targets"

    id: Mapped[IntPk]
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    kpi: Mapped[str] = mapped_column(String(40))
    target: Mapped[float]
    alert_after_minutes: Mapped[float] = mapped_column(default=5)
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[CreatedAt]
    missed_since: Mapped[dt.datetime | None]  # when the actual last fell short of the target; none while it meets it
    alerted_at: Mapped[dt.datetime | None]  # when the current alert began


class Webhook(Base):
    """A URL that receives events as signed JSON POSTs: how hot leads reach a CRM or a chat tool."""

    __tablename__ = "webhooks"

    id: Mapped[IntPk]
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[str] = mapped_column(String(300))  # space-separated
    secret: Mapped[str] = mapped_column(String(100))  # signs each body (HMAC-SHA256): kept, as it must be to sign
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[CreatedAt]
    removed_at: Mapped[dt.datetime | None]


class WebhookDelivery(Base):
    """One event for one webhook: sent, retried with back-off, and kept as the delivery log."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[IntPk]
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[CreatedAt]
    delivered_at: Mapped[dt.datetime | None]


class RateCount(Base):
    """One rate limit's count for one caller in the current minute, shared by every console node on the database."""

    __tablename__ = "rate_counts"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # the limit and the caller (a token's hash)
    count: Mapped[int]
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch: the window's end
