"""A phone number as written in a list, made E.164 with its region and the time zones it may be in."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import available_timezones

import phonenumbers
from phonenumbers import PhoneNumberType, is_number_type_geographical
from phonenumbers.phonenumberutil import SUPPORTED_REGIONS
from phonenumbers.timezone import TIMEZONE_LONGEST_PREFIX, time_zones_for_geographical_number

from tierdial.errors import UserError

UNKNOWN_ZONE = "Etc/Unknown"


@dataclass(frozen=True, slots=True)
class Normalised:
    e164: str
    region: str
    zones: tuple[str, ...]  # every zone the number may be in; calls need all of them inside the window


class NumberRejected(ValueError):
    """The row's number cannot be called; the message is the detail shown in the import report."""

    def __init__(self, message: str, reason: str = "invalid_number") -> None:
        super().__init__(message)
        self.reason = reason  # the import report's reason code: invalid_number or unknown_region


def parse_number(raw: str, default_region: str) -> str:
    """A number typed by a person or sent by a script, as E.164; a bad one is the user's error to fix."""
    try:
        return normalise(raw, default_region).e164
    except NumberRejected as exc:
        raise UserError(f"{raw!r}: {exc}") from None


def is_known_region(region: str) -> bool:
    return region.upper() in SUPPORTED_REGIONS


def normalise(raw: str, default_region: str, explicit_zone: str | None = None) -> Normalised:
    text = raw.strip()
    if not text:
        raise NumberRejected("invalid number: empty")
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == exc.INVALID_COUNTRY_CODE:
            raise NumberRejected(f"unknown region: {exc._msg}", "unknown_region") from None
        raise NumberRejected(f"invalid number: {exc._msg}") from None
    region = phonenumbers.region_code_for_number(parsed)
    if region is None:
        raise NumberRejected("unknown region: no country has this calling code", "unknown_region")
    kind = phonenumbers.number_type(parsed)
    if kind == PhoneNumberType.UNKNOWN:
        raise NumberRejected(f"invalid number: not a {region} number in use")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if explicit_zone:
        if explicit_zone not in _known_zones():
            raise NumberRejected(f"unknown time zone {explicit_zone[:60]!r}", "unknown_region")
        return Normalised(e164, region, (explicit_zone,))
    geographic = is_number_type_geographical(kind, parsed.country_code)
    return Normalised(e164, region, _zones_of(e164, parsed, geographic))


def _zones_of(e164: str, parsed: phonenumbers.PhoneNumber, geographic: bool) -> tuple[str, ...]:
    # Time-zone data is keyed on at most TIMEZONE_LONGEST_PREFIX digits: every number sharing them and the
    # number type shares the zones, so a big list looks each prefix up once.
    try:
        return _zones_of_prefix(e164[1 : 1 + TIMEZONE_LONGEST_PREFIX], geographic)
    except phonenumbers.NumberParseException:  # a prefix too short to stand as a number: look up the number
        return _lookup_zones(parsed, geographic)


@lru_cache(maxsize=100_000)
def _zones_of_prefix(prefix: str, geographic: bool) -> tuple[str, ...]:
    return _lookup_zones(phonenumbers.parse("+" + prefix, None), geographic)


def _lookup_zones(parsed: phonenumbers.PhoneNumber, geographic: bool) -> tuple[str, ...]:
    if geographic:
        zones = time_zones_for_geographical_number(parsed)
    else:
        zones = phonenumbers.timezone._country_level_time_zones_for_number(parsed)
    return tuple(sorted(z for z in zones if z != UNKNOWN_ZONE))


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())
