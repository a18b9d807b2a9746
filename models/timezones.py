"""Site time zones: IANA names checked through the standard library's ``zoneinfo``.

A project keeps its zone as a name (``Europe/Berlin``; empty means UTC). Moments are
always stored in UTC; a zone only changes how a time without an offset is read and how
a time is shown. The ``tzdata`` package supplies zone data where the system has none.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ZONE_HINT = "write an IANA zone name such as Europe/Berlin, America/New_York or UTC"


class UnknownZoneError(ValueError):
    """A zone name that zoneinfo does not know, named in the message."""


def zone_problem(name: str) -> str | None:
    """None when ``name`` is a known IANA zone, else one sentence saying what is wrong."""
    text = name.strip()
    if not text:
        return f"empty time zone; {ZONE_HINT}"
    if text.upper() == "UTC":
        return None
    if text.startswith(("/", ".")) or ".." in text or "\\" in text or "\0" in text:
        return f"{text!r} is not a time zone; {ZONE_HINT}"
    try:
        _cached_zone(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return f"unknown time zone {text!r}; {ZONE_HINT}"
    return None


@lru_cache(maxsize=64)
def _cached_zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_named(name: str) -> tzinfo:
    """The zone for an IANA name (``""`` and ``UTC`` are UTC); UnknownZoneError otherwise."""
    text = name.strip()
    if not text or text.upper() == "UTC":
        return UTC
    if (problem := zone_problem(text)) is not None:
        raise UnknownZoneError(problem)
    return _cached_zone(text)


def zone_label(zone: tzinfo, moment: datetime) -> str:
    """The short name in force at ``moment`` (``CET``, ``CEST``, ``UTC``)."""
    return moment.astimezone(zone).tzname() or "UTC"


def operator_zone(environ_tz: str | None) -> tzinfo | None:
    """The operator's own zone from ``TZ`` (an IANA name, optionally with a leading ':')."""
    if not environ_tz:
        return None
    name = environ_tz.strip().lstrip(":")
    if zone_problem(name) is not None:
        return None
    return zone_named(name)


def same_offset(a: tzinfo, b: tzinfo, moment: datetime) -> bool:
    """True when both zones show the same wall clock at ``moment``."""
    return moment.astimezone(a).utcoffset() == moment.astimezone(b).utcoffset()
