"""Showing moments in the site's time zone: ``22:00 CET`` next to UTC, for both faces."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from updeck.models.timezones import zone_named


def site_zone(name: str) -> tzinfo:
    """The project's zone; UTC for "" or a name this system does not know."""
    try:
        return zone_named(name)
    except ValueError:
        return UTC


def is_utc(zone: tzinfo, moment: datetime) -> bool:
    return moment.astimezone(zone).utcoffset() == UTC.utcoffset(moment)


def site_stamp(moment: datetime | None, zone: tzinfo) -> str:
    """``2026-12-05 22:00 CET``; ``-`` for None."""
    if moment is None:
        return "-"
    local = moment.astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "UTC")


def clock(moment: datetime, zone: tzinfo, *, seconds: bool = False) -> str:
    """``22:00:05 CET`` (or without seconds): a wall clock in ``zone``."""
    local = moment.astimezone(zone)
    return local.strftime("%H:%M:%S " if seconds else "%H:%M ") + (local.tzname() or "UTC")
