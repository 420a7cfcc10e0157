"""A callback asked for at a time on the callee's clock, turned into the moment the dialer may call again."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tierdial.errors import UserError

LONGEST_AHEAD = dt.timedelta(days=90)


def callee_zone(zones: str) -> ZoneInfo:
    """A number may span several zones (space-separated); the first is the one shown and used."""
    return ZoneInfo(zones.split()[0] if zones.strip() else "UTC")


def callback_moment(local_text: str, zones: str, now: dt.datetime) -> dt.datetime:
    """`2026-11-24T15:30` in the callee's zone, as an aware UTC time; it must be ahead, and within 90 days."""
    try:
        local = dt.datetime.fromisoformat(local_text)
    except ValueError:
        raise UserError(f"callback_at: a date and time like 2026-11-24T15:30 (got {local_text[:40]!r})") from None
    if local.tzinfo is not None:
        raise UserError("callback_at: give the time on the callee's clock, without a zone")
    moment = local.replace(tzinfo=callee_zone(zones)).astimezone(dt.UTC)
    if moment <= now:
        raise UserError("callback_at: that time has passed on the callee's clock")
    if moment - now > LONGEST_AHEAD:
        raise UserError("callback_at: at most 90 days ahead")
    return moment
