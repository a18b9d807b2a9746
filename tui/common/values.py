"""Parsing what people type on the command line: moments, windows, durations, KEY=VALUE.

Every parser raises :class:`ValueError` with one sentence that says what to write instead.
Nothing here imports more than the standard library and ``updeck.models.durations``.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from updeck.models.durations import DurationError, parse_duration

_RELATIVE = re.compile(r"^([+-])\s*(.+)$")
MOMENT_HINT = ("write an ISO date and time such as 2026-12-05T22:00 (UTC unless an offset is "
               "given), now, +2h or -30m")


def parse_moment(text: str, now: datetime, *, bare_duration_is_past: bool = False) -> datetime:
    """A moment in UTC from ``2026-12-05T22:00``, ``2026-12-05 22:00``, ``now``, ``+2h``, ``-30m``.

    A date and time without an offset is taken as UTC. With ``bare_duration_is_past`` a
    plain duration (``30m``) means that long ago, as for ``log --since 30m``.
    """
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
    candidate = raw.replace("z", "Z")
    if candidate.endswith("Z"):
        candidate = candidate[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        raise ValueError(f"{raw!r} is not a time; {MOMENT_HINT}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _looks_like_duration(text: str) -> bool:
    try:
        parse_duration(text)
    except DurationError:
        return False
    return True


def parse_window(text: str, now: datetime) -> tuple[datetime, datetime | None]:
    """``START[/END]``: END is a moment or a duration after START (``.../4h``)."""
    start_text, sep, end_text = text.partition("/")
    if sep and not end_text.strip():
        raise ValueError(f"{text!r} has a '/' but no end; write START/END or just START")
    start = parse_moment(start_text, now)
    if not sep:
        return start, None
    end = parse_end(end_text, start, now)
    return start, end


def parse_end(text: str, start: datetime, now: datetime) -> datetime:
    """A window's end: a moment, or a duration counted from the start (``4h``, ``+4h``)."""
    raw = text.strip()
    bare = raw[1:] if raw.startswith("+") else raw
    if _looks_like_duration(bare):
        end = start + timedelta(seconds=parse_duration(bare))
    else:
        end = parse_moment(raw, now)
    if end <= start:
        raise ValueError("the window must end after it starts")
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
