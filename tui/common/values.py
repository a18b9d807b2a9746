"""Parsing what people type on the command line: moments, windows, durations, KEY=VALUE.

Every parser raises :class:`ValueError` with one sentence that says what to write instead.
Nothing here imports more than the standard library and ``updeck.models`` (durations,
time zones). A date and time without an offset is read in ``zone`` (the project's site
zone; UTC when none); an explicit offset (``+01:00``, ``Z``) or an RFC 9557 zone suffix
(``2026-12-05 22:00[Europe/Berlin]``) always wins.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, tzinfo

from updeck.models.durations import DurationError, parse_duration
from updeck.models.timezones import zone_named

_RELATIVE = re.compile(r"^([+-])\s*(.+)$")
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)  # room after it for a window and a forecast
MAX_WINDOW = timedelta(days=30)
_ZONE_SUFFIX = re.compile(r"^(.*?)\s*\[!?([^\[\]]+)\]$")  # RFC 9557: ...[Europe/Berlin]
_ZONE_WORD = re.compile(r"^(.*\d)\s+([A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)+)$")
MOMENT_HINT = ("write an ISO date and time such as 2026-12-05T22:00 (in the project's time zone "
               "unless an offset such as +01:00 or a zone such as [Europe/Berlin] is given), "
               "now, +2h or -30m")


def parse_moment(text: str, now: datetime, *, bare_duration_is_past: bool = False,
                 zone: tzinfo | None = None) -> datetime:
    """A moment in UTC from ``2026-12-05T22:00``, ``2026-12-05 22:00``, ``now``, ``+2h``, ``-30m``.

    A date and time without an offset is read in ``zone`` (UTC when None); an offset or a
    zone suffix (``[Europe/Berlin]``, or ``Europe/Berlin`` after a space) overrides it. A
    wall time that a DST change skips or repeats is read as the zone rules say (``fold=0``:
    the earlier of two). With ``bare_duration_is_past`` a plain duration (``30m``) means
    that long ago, as for ``log --since 30m``. The moment
    must lie in the years 1970 to 9998 (:data:`EARLIEST`, :data:`LATEST`).
    """
    try:
        moment = _parse_moment(text, now, bare_duration_is_past, zone)
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST <= moment < LATEST:
        raise ValueError(f"{text.strip()[:40]!r} is outside the years 1970 to 9998; "
                         f"{MOMENT_HINT}")
    return moment


def _parse_moment(text: str, now: datetime, bare_duration_is_past: bool,
                  zone: tzinfo | None) -> datetime:
    raw = text.strip()
    if not raw:
        raise ValueError(f"empty time; {MOMENT_HINT}")
    if raw.lower() == "now":
        return now
    match = _RELATIVE.match(raw)
    if match:
        try:
            seconds = parse_duration(match.group(2))
        except DurationError as exc:
            raise ValueError(f"{raw!r} is not a time ({exc}); {MOMENT_HINT}") from None
        return now + timedelta(seconds=seconds if match.group(1) == "+" else -seconds)
    if bare_duration_is_past and _looks_like_duration(raw):
        return now - timedelta(seconds=parse_duration(raw))
    if len(raw) > 100:
        raise ValueError(f"{raw[:40]!r}… is not a time; {MOMENT_HINT}")
    candidate, named = _split_zone(raw)
    candidate = candidate.replace("z", "Z")
    if candidate.endswith("Z"):
        candidate = candidate[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        raise ValueError(f"{raw!r} is not a time; {MOMENT_HINT}") from None
    if named is not None:
        if moment.tzinfo is not None and moment.utcoffset() != moment.replace(
                tzinfo=None).replace(tzinfo=named).utcoffset():
            raise ValueError(f"{raw!r}: the offset does not match the zone in brackets; "
                             "give one or the other")
        moment = moment.replace(tzinfo=named)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or UTC)
    return moment.astimezone(UTC)


def _split_zone(raw: str) -> tuple[str, tzinfo | None]:
    """``2026-12-05 22:00[Europe/Berlin]`` -> the time text and the zone (None when absent)."""
    match = _ZONE_SUFFIX.match(raw) or _ZONE_WORD.match(raw)
    if match is None:
        return raw, None
    return match.group(1).strip(), zone_named(match.group(2))


def _looks_like_duration(text: str) -> bool:
    try:
        parse_duration(text)
    except DurationError:
        return False
    return True


def parse_window(text: str, now: datetime, *, zone: tzinfo | None = None
                 ) -> tuple[datetime, datetime | None]:
    """``START[/END]``: END is a moment or a duration after START (``.../4h``).

    A duration is real elapsed time: ``22:00/6h`` across a DST change ends six real
    hours later, so its site wall-clock end moves by the shift (03:00 or 05:00).
    """
    start_text, sep, end_text = _split_window(text)
    if sep and not end_text.strip():
        raise ValueError(f"{text!r} has a '/' but no end; write START/END or just START")
    start = parse_moment(start_text, now, zone=zone)
    if not sep:
        return start, None
    end = parse_end(end_text, start, now, zone=zone)
    return start, end


def _split_window(text: str) -> tuple[str, str, str]:
    """Split at the '/' that is not inside a zone name (``22:00[Europe/Berlin]/6h``)."""
    depth = 0
    for index, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        elif char == "/" and depth == 0 and not _inside_zone_word(text, index):
            return text[:index], "/", text[index + 1:]
    return text, "", ""


def _inside_zone_word(text: str, index: int) -> bool:
    """True when the '/' at ``index`` joins letters (``Europe/Berlin`` after a space)."""
    before = text[:index].rstrip()
    word = before.rsplit(" ", 1)[-1] if " " in before else ""
    return bool(word) and word[0].isalpha() and index + 1 < len(text) and text[index + 1].isalpha()


def parse_end(text: str, start: datetime, now: datetime, *, zone: tzinfo | None = None) -> datetime:
    """A window's end: a moment, or a duration counted from the start (``4h``, ``+4h``);
    a window lasts at most :data:`MAX_WINDOW` (30 days)."""
    raw = text.strip()
    bare = raw[1:] if raw.startswith("+") else raw
    if _looks_like_duration(bare):
        seconds = parse_duration(bare)
        if seconds > MAX_WINDOW.total_seconds():
            raise ValueError(f"a window of {raw[:40]} is longer than 30 days; "
                             "plan a shorter window")
        end = start + timedelta(seconds=seconds)
    else:
        end = parse_moment(raw, now, zone=zone)
    if end <= start:
        raise ValueError("the window must end after it starts")
    if end - start > MAX_WINDOW:
        raise ValueError("the window is longer than 30 days; plan a shorter window")
    return end


def parse_timeout(text: str) -> float:
    """A ``--timeout``: a duration with a unit (``90s``, ``5m``); must be positive."""
    try:
        seconds = parse_duration(text)
    except DurationError as exc:
        raise ValueError(f"timeout {exc}") from None
    if seconds <= 0:
        raise ValueError(f"timeout {text!r} must be longer than zero")
    return float(seconds)


_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_var(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` for ``--var``."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep:
        raise ValueError(f"--var {text!r} has no '='; write --var KEY=VALUE")
    if not _VAR_NAME.match(key):
        raise ValueError(f"--var {text!r}: {key!r} is not a variable name (letters, digits, _)")
    return key, value


def iso(moment: datetime | None) -> str | None:
    """UTC ISO text for JSON output, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat()


def hhmm(moment: datetime | None, now: datetime | None = None) -> str:
    """``22:14`` when on today's date (UTC), else ``2026-12-05 22:14``; ``-`` for None."""
    if moment is None:
        return "-"
    moment = moment.astimezone(UTC)
    if now is not None and moment.date() == now.astimezone(UTC).date():
        return moment.strftime("%H:%M")
    return moment.strftime("%Y-%m-%d %H:%M")


_AMOUNT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")


def parse_amount(text: str) -> float:
    """``1350``, ``1,350.50``, ``-200`` (a correction); ValueError with one sentence."""
    raw = text.strip().replace(" ", "").replace("_", "")
    if not raw:
        raise ValueError("an amount is required, such as 1350 or 1,350.50")
    if not _AMOUNT.match(raw) or not any(c.isdigit() for c in raw):
        raise ValueError(f"{text.strip()!r} is not a number: write an amount such as "
                         "1350 or 1,350.50, without a currency sign")
    value = float(raw.replace(",", ""))
    if not math.isfinite(value):
        raise ValueError("the amount is too large")
    return value
