"""Durations (``1h30m``) and T-times (``T-14d``), as whole seconds."""

from __future__ import annotations

import re

UNIT_SECONDS: dict[str, int] = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DURATION_SECONDS = 3653 * 86400  # ten years: nothing on a change plan is longer
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?[smhdw])+")


class DurationError(ValueError):
    """A duration or T-time that does not parse; the message says what to write."""


def parse_duration(text: str) -> int:
    """Seconds in a duration such as ``45s``, ``30m``, ``1h30m``, ``1d``.

    A bare number is an error: the unit must be explicit.
    """
    raw = str(text).strip()
    compact = raw.replace(" ", "").lower()
    if not compact:
        raise DurationError("empty duration; write e.g. 30m, 2h or 1h30m")
    if re.fullmatch(r"\d+(?:\.\d+)?", compact):
        raise DurationError(
            f'"{raw}" has no unit; write {compact}m, {compact}s or {_hint(compact)}'
        )
    if not _DURATION.fullmatch(compact):
        raise DurationError(
            f'"{raw}" is not a duration; write parts like 45s, 30m, 2h, 1d, 1w (e.g. 1h30m)'
        )
    total = 0.0
    for number, unit in _PART.findall(compact):
        total += float(number) * UNIT_SECONDS[unit]
    if not total <= MAX_DURATION_SECONDS:  # also catches inf from a thousand digits
        raise DurationError(f'"{_short(raw)}" is longer than ten years; write a shorter duration')
    return round(total)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _hint(number: str) -> str:
    try:
        minutes = int(float(number))
    except ValueError:  # pragma: no cover - regex guarantees a number
        return "1h30m"
    if minutes >= 60:
        return format_duration(minutes * 60)
    return "1h30m"


def format_duration(seconds: int | float | None, *, empty: str = "-") -> str:
    """A compact human duration: ``1h30m``, ``45s``, ``2d4h``; negative gets a minus."""
    if seconds is None:
        return empty
    value = round(seconds)
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value == 0:
        return "0m"
    parts: list[str] = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if value >= size:
            count, value = divmod(value, size)
            parts.append(f"{count}{unit}")
        if len(parts) == 2:
            break
    return sign + "".join(parts)


def parse_ttime(text: str) -> int:
    """Offset in seconds from the window start: ``T`` is 0, ``T-14d`` is negative."""
    raw = str(text).strip()
    compact = raw.replace(" ", "")
    if compact in ("T", "t"):
        return 0
    if len(compact) < 3 or compact[0] not in "Tt" or compact[1] not in "+-":
        raise DurationError(f'"{raw}" is not a T-time; write T, T-14d or T+1h30m')
    try:
        seconds = parse_duration(compact[2:])
    except DurationError as exc:
        raise DurationError(f'"{raw}" is not a T-time ({exc}); write T, T-14d or T+1h30m') from None
    return -seconds if compact[1] == "-" else seconds


def format_ttime(offset: int | None) -> str:
    """``T``, ``T-2h`` or ``T+30m``."""
    if offset is None:
        return "-"
    if offset == 0:
        return "T"
    return ("T-" if offset < 0 else "T+") + format_duration(abs(offset))
