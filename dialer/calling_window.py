"""Whether it is a decent hour where the callee is, decided from the number itself.

A number may span several time zones (a country, a mobile range): then every zone it
may be in must be inside the window. When in doubt, do not call.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_timezone

from tierdial.config import WEEKDAYS, CallingWindow, Hours


def time_zones_of(phone_e164: str) -> list[str]:
    try:
        zones = number_timezone.time_zones_for_number(phonenumbers.parse(phone_e164, None))
    except phonenumbers.NumberParseException:
        return []
    return sorted(z for z in zones if z != "Etc/Unknown")


def why_not_now(window: CallingWindow, region: str, zones: list[str] | tuple[str, ...], now: dt.datetime) -> str | None:
    """None if a call is allowed now in every zone; else the reason it is not."""
    if not zones:
        return "time zone unknown"
    regional = window.regions.get(region)
    for zone in zones:
        local = now.astimezone(_zone(zone))
        day = local.date()
        if day in window.holidays or (regional and day in regional.holidays):
            return f"holiday ({day.isoformat()}, {zone})"
        rule = window.weekdays.get(WEEKDAYS[day.weekday()])
        if rule == "closed":
            return f"no calls on {WEEKDAYS[day.weekday()]} ({zone})"
        spans: list[Hours] = [window] + [h for h in (rule, regional) if isinstance(h, Hours)]
        start, end = max(h.start for h in spans), min(h.end for h in spans)
        if not start <= local.time() < end:
            return f"outside the calling window {start:%H:%M}-{end:%H:%M} ({zone}, {local:%a %H:%M})"
    return None


def inside_window(phone_e164: str, start: dt.time, end: dt.time, now: dt.datetime) -> bool:
    window = CallingWindow(start=start, end=end)
    return why_not_now(window, "", time_zones_of(phone_e164), now) is None


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
