"""Whether it is a decent hour where the callee is, decided from the number itself."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_timezone


def time_zones_of(phone_e164: str) -> list[str]:
    zones = number_timezone.time_zones_for_number(phonenumbers.parse(phone_e164, None))
    return [z for z in zones if z != "Etc/Unknown"]


def inside_window(phone_e164: str, start: dt.time, end: dt.time, now: dt.datetime) -> bool:
    """True only if it is inside the window in every time zone the number may be in.

    A number whose zone is unknown, or that spans zones, must satisfy them all: when in
    doubt, do not call.
    """
    zones = time_zones_of(phone_e164)
    if not zones:
        return False
    for zone in zones:
        local = now.astimezone(ZoneInfo(zone)).time()
        if not start <= local < end:
            return False
    return True
