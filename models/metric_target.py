"""Metric targets and readings: the grammar, the unit kinds and the comparison (pure).

A target is a comparator and a number (``<= 150ms``, ``>= 99.9%``, ``== 0``) or an
inclusive range (``100..200ms``), with a unit of time (``ms``, ``s``, ``m``, ``h``),
size (``KB``, ``MB``, ``GB``), percent (``%``) or none (a count), optionally followed by
a qualifier after `` per ``, `` of `` or `` within `` that is shown, never compared
(``<= 0.5% of requests``). A reading is a number with an optional unit of the same kind
(``1.4s`` against a ``ms`` target is converted; a bare number is in the target's unit).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

COMPARATORS: tuple[str, ...] = ("<=", ">=", "==", "<", ">")
UNITS: dict[str, tuple[str, float]] = {
    "ms": ("time", 0.001), "s": ("time", 1.0), "m": ("time", 60.0), "h": ("time", 3600.0),
    "KB": ("size", 1024.0), "MB": ("size", 1024.0 ** 2), "GB": ("size", 1024.0 ** 3),
    "%": ("percent", 1.0), "": ("count", 1.0),
}
KIND_WORD = {"time": "a time", "size": "a size", "percent": "a percentage", "count": "a count"}
QUALIFIER_WORDS: tuple[str, ...] = ("per", "of", "within")
GRAMMAR_HINT = ("like '<= 150ms', '>= 99.9%', '== 0', '100..200ms' or "
                "'<= 0.5% of requests'")

_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d+)?|\.\d+)")
_UNIT = re.compile(r"(?i:[KMG]B)|ms|s|m|h|%")
_READING = re.compile(rf"({_NUMBER.pattern})\s*({_UNIT.pattern})")
_QUALIFIER = re.compile(r"\s+(?:per|of|within)\s+\S", re.IGNORECASE)


class TargetError(ValueError):
    """A target that does not parse; ``column`` is the 0-based offset of the trouble."""

    def __init__(self, message: str, column: int = 0) -> None:
        super().__init__(message)
        self.column = column


class ReadingError(ValueError):
    """A reading that is not a number, or not of the target's unit kind."""


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float
    unit: str  # canonical spelling: "ms", "KB", "%", "" ...

    @property
    def kind(self) -> str:
        return UNITS[self.unit][0]

    @property
    def base(self) -> float:
        """The value in the kind's base unit (seconds, bytes, percent, count)."""
        return self.value * UNITS[self.unit][1]

    def __str__(self) -> str:
        return f"{_number_text(self.value)}{self.unit}"


@dataclass(frozen=True, slots=True)
class Target:
    op: str  # one of COMPARATORS, or ".." for a range
    low: Quantity  # the bound (the lower one for a range)
    high: Quantity | None  # the upper bound of a range
    qualifier: str  # shown, never compared ("of requests")

    @property
    def kind(self) -> str:
        return self.low.kind

    @property
    def unit(self) -> str:
        return self.high.unit if self.high is not None else self.low.unit

    def met_by(self, reading: Quantity) -> bool:
        value = reading.base
        if self.high is not None:
            return self.low.base - _slack(self.low.base) <= value <= self.high.base + _slack(self.high.base)
        goal = self.low.base
        if self.op == "==":
            return math.isclose(value, goal, rel_tol=1e-9, abs_tol=1e-12)
        if self.op == "<=":
            return value <= goal + _slack(goal)
        if self.op == ">=":
            return value >= goal - _slack(goal)
        if self.op == "<":
            return value < goal
        return value > goal

    def __str__(self) -> str:
        core = (f"{self.low}..{self.high}" if self.high is not None else f"{self.op} {self.low}")
        return f"{core} {self.qualifier}" if self.qualifier else core


def _slack(value: float) -> float:
    """Float noise allowed on an inclusive bound (1.4s is 1400ms, exactly)."""
    return abs(value) * 1e-9 + 1e-12


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else f"{value:g}"


def _quantity(text: str, pos: int, what: str) -> tuple[Quantity, int, bool]:
    """A number and its optional unit at ``pos``: (quantity, end, unit_given)."""
    match = _NUMBER.match(text, pos)
    if match is None:
        raise TargetError(f"expected a number for {what}, found {_shown(text, pos)}; "
                          f"a target is {GRAMMAR_HINT}", pos)
    value = float(match.group(0))
    end = match.end()
    probe = end
    while probe < len(text) and text[probe] == " ":
        probe += 1
    unit_match = _UNIT.match(text, probe)
    if unit_match is not None and _word_ends(text, unit_match.end()):
        return Quantity(value, _canonical(unit_match.group(0))), unit_match.end(), True
    if end < len(text) and (text[end].isalpha() or text[end] in "%µ"):
        word = re.match(r"[^\s.]+", text[end:])
        raise TargetError(f"unknown unit {word.group(0) if word else text[end]!r}; units are "
                          "ms, s, m, h (time), KB, MB, GB (size), % or none (a count)", end)
    return Quantity(value, ""), end, False


def _word_ends(text: str, end: int) -> bool:
    return end >= len(text) or not (text[end].isalnum() or text[end] in "_%")


def _canonical(unit: str) -> str:
    return unit.upper() if unit.upper() in ("KB", "MB", "GB") else unit.lower()


def _shown(text: str, pos: int) -> str:
    return repr(text[pos:pos + 12]) if pos < len(text) else "the end of the text"


def parse_target(text: str) -> Target:
    """Parse a target; :class:`TargetError` (with the column) when it does not."""
    pos = len(text) - len(text.lstrip())
    if pos == len(text):
        raise TargetError(f"the target is empty; a target is {GRAMMAR_HINT}", 0)
    op = next((c for c in COMPARATORS if text.startswith(c, pos)), "")
    high: Quantity | None = None
    if op:
        pos += len(op)
        while pos < len(text) and text[pos] == " ":
            pos += 1
        low, pos, _ = _quantity(text, pos, f"the '{op}' bound")
    elif text.startswith(("=", "!"), pos):
        raise TargetError(f"unknown comparator at {_shown(text, pos)}; comparators are "
                          "<, <=, >, >=, == (or a range A..B)", pos)
    else:
        low, pos, low_unit = _quantity(text, pos, "the target")
        dots = pos
        while dots < len(text) and text[dots] == " ":
            dots += 1
        if not text.startswith("..", dots):
            raise TargetError(f"a target starts with a comparator (<, <=, >, >=, ==) or is a "
                              f"range A..B; write '== {text.strip()}' or '>= {text.strip()}' "
                              "if that is what you mean", 0)
        pos = dots + 2
        while pos < len(text) and text[pos] == " ":
            pos += 1
        high, pos, _ = _quantity(text, pos, "the upper end of the range")
        if not low_unit:
            low = Quantity(low.value, high.unit)
        if low.kind != high.kind:
            raise TargetError(f"the range mixes {KIND_WORD[low.kind]} and {KIND_WORD[high.kind]}", 0)
        if low.base > high.base:
            raise TargetError(f"the range {low}..{high} is empty: its start is above its end", 0)
        op = ".."
    rest = text[pos:]
    qualifier = ""
    if rest.strip():
        if _QUALIFIER.match(rest) is None:
            at = pos + len(rest) - len(rest.lstrip())
            raise TargetError(f"unexpected {_shown(text, at)} after the number; free text may "
                              "follow only after ' per ', ' of ' or ' within ' "
                              "(like '<= 0.5% of requests')", at)
        qualifier = " ".join(rest.split())
    return Target(op, low, high, qualifier)


def target_error(text: str) -> TargetError | None:
    """The parse error of ``text``, or None when it is a good target."""
    try:
        parse_target(text)
    except TargetError as exc:
        return exc
    return None


def parse_reading(text: str, target: Target | None = None) -> Quantity:
    """A reading as a quantity; in the target's unit when it has none.

    :class:`ReadingError` when it is not a number (with an optional unit and qualifier),
    or when its unit is not of the target's kind.
    """
    body = text.strip()
    qualifier = _QUALIFIER.search(body)
    if qualifier is not None:
        body = body[:qualifier.start()].strip()
    match = _NUMBER.fullmatch(body) or _READING.fullmatch(body)
    if match is None or not body:
        raise ReadingError(f"reading {text.strip()!r} is not a number with an optional unit "
                           "(like 140ms, 1.4s, 0.3%, 12MB or 7)")
    if match.re is _NUMBER:
        value, unit = float(match.group(0)), (target.unit if target is not None else "")
    else:
        value, unit = float(match.group(1)), _canonical(match.group(2))
    if not math.isfinite(value):
        raise ReadingError(f"reading {text.strip()!r} is not a finite number")
    reading = Quantity(value, unit)
    if target is not None and reading.kind != target.kind:
        raise ReadingError(f"reading {text.strip()!r} is {KIND_WORD[reading.kind]}, but the "
                           f"target '{target}' is {KIND_WORD[target.kind]}")
    return reading


def in_unit(reading: Quantity, unit: str) -> Quantity:
    """The reading converted to ``unit`` (same kind)."""
    return Quantity(reading.base / UNITS[unit][1], unit)


def judge_reading(value: str, target_text: str) -> tuple[bool | None, str]:
    """Whether a reading meets a target, and a sentence saying so (None: cannot tell)."""
    try:
        target = parse_target(target_text)
    except TargetError as exc:
        return None, f"target {target_text.strip()!r} does not parse: {exc}"
    try:
        reading = parse_reading(value, target)
    except ReadingError as exc:
        return None, str(exc)
    met = target.met_by(reading)
    shown = str(reading)
    if reading.unit != target.unit:
        shown += f" ({in_unit(reading, target.unit)})"
    return met, f"{shown} {'meets' if met else 'misses'} {target_text.strip()}"
