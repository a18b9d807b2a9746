"""The metric target grammar: comparators, ranges, units, qualifiers, readings."""

from __future__ import annotations

import pytest
from updeck.models.metric_target import (
    ReadingError,
    TargetError,
    judge_reading,
    parse_reading,
    parse_target,
)


@pytest.mark.parametrize(("text", "op", "kind", "qualifier"), [
    ("<= 150ms", "<=", "time", ""),
    (">=99.9%", ">=", "percent", ""),
    ("== 0", "==", "count", ""),
    ("< 2s", "<", "time", ""),
    ("> 20m", ">", "time", ""),
    ("<= 4h", "<=", "time", ""),
    ("< 16 MB within an hour", "<", "size", "within an hour"),
    ("<= 1GB", "<=", "size", ""),
    ("<= 512 kb", "<=", "size", ""),
    ("<= 0.5% of requests", "<=", "percent", "of requests"),
    (">= 170 of 180 after four weeks", ">=", "count", "of 180 after four weeks"),
    ("<= 400 per day", "<=", "count", "per day"),
    ("100..200ms", "..", "time", ""),
    ("1s .. 2s per request", "..", "time", "per request"),
])
def test_targets_that_parse(text: str, op: str, kind: str, qualifier: str) -> None:
    target = parse_target(text)
    assert (target.op, target.kind, target.qualifier) == (op, kind, qualifier)


@pytest.mark.parametrize(("text", "column", "words"), [
    ("0", 0, "comparator"),
    ("100%", 0, "comparator"),
    ("<= 6 working days", 5, "after the number"),
    ("<= 5 days", 5, "after the number"),
    ("<= 150msec", 6, "unknown unit"),
    ("!= 3", 0, "comparator"),
    ("= 3", 0, "comparator"),
    ("<= fast", 3, "expected a number"),
    ("", 0, "empty"),
    ("2s..1s", 0, "empty"),
    ("1%..2s", 0, "mixes"),
])
def test_targets_that_do_not_parse_say_where(text: str, column: int, words: str) -> None:
    with pytest.raises(TargetError) as caught:
        parse_target(text)
    assert caught.value.column == column
    assert words in str(caught.value)


@pytest.mark.parametrize(("value", "target", "met"), [
    ("1.4s", "<= 1500ms", True),  # converted
    ("1.6s", "<= 1500ms", False),
    ("1400", "<= 1500ms", True),  # a bare reading is in the target's unit
    ("0.9%", "<= 0.5% of requests", False),
    ("0.3 %", "<= 0.5% of requests", True),
    ("17MB", "< 16 MB within an hour", False),
    ("900KB", "< 16 MB within an hour", True),
    ("150ms", "100..200ms", True),
    ("0.25s", "100..200ms", False),
    ("0", "== 0", True),
    ("1", "== 0", False),
    ("175", ">= 170 of 180 after four weeks", True),
])
def test_readings_against_targets(value: str, target: str, met: bool) -> None:
    assert judge_reading(value, target)[0] is met


@pytest.mark.parametrize(("value", "target"), [
    ("abc", "<= 1s"), ("5MB", "<= 1s"), ("5ms", "== 0"), ("3%", "<= 16MB"), ("", "<= 1s"),
    ("nan", "<= 1s"), ("1e400", "<= 1s"),
])
def test_readings_of_the_wrong_kind_are_refused(value: str, target: str) -> None:
    with pytest.raises(ReadingError):
        parse_reading(value, parse_target(target))
    assert judge_reading(value, target)[0] is None


def test_the_verdict_names_the_conversion() -> None:
    assert judge_reading("1.4s", "<= 1500ms")[1] == "1.4s (1400ms) meets <= 1500ms"
