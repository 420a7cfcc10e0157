"""Tables of the stations: who is running, and which station paces which campaign."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tierdial.db import Base, CreatedAt


class StationRecord(Base):
    """One run of a station. A new process is a new instance, under the node's stable name."""

    __tablename__ = "stations"

    instance: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int]
    console_url: Mapped[str | None] = mapped_column(String(300))
    started_at: Mapped[CreatedAt]
    heartbeat_at: Mapped[dt.datetime]
    draining: Mapped[bool] = mapped_column(default=False)
    stopped_at: Mapped[dt.datetime | None]  # a clean stop: nothing of it is left to recover
    recovered_at: Mapped[dt.datetime | None]  # it died; its calls were closed by the station that noticed


class CampaignLease(Base):
    """The station pacing a campaign, until `expires_at` unless it renews it: one station at a time."""

    __tablename__ = "campaign_leases"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    instance: Mapped[str] = mapped_column(String(40))
    expires_at: Mapped[dt.datetime]
