"""Durations (``1h30m``) and T-times (``T-14d``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from updeck.models.durations import DurationError, format_duration, format_ttime, parse_duration, parse_ttime


@pytest.mark.parametrize(("text", "seconds"), [
    ("45s", 45), ("30m", 1800), ("2h", 7200), ("1h30m", 5400), ("1d", 86400), ("1w", 604800),
    ("1h 30m", 5400), ("1H30M", 5400), (" 10m ", 600), ("1.5h", 5400), ("0m", 0), ("2d4h", 187200),
])
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


def test_a_bare_number_has_no_unit() -> None:
    with pytest.raises(DurationError) as err:
        parse_duration("90")
    assert str(err.value) == '"90" has no unit; write 90m, 90s or 1h30m'
    with pytest.raises(DurationError, match='"5" has no unit; write 5m, 5s'):
        parse_duration("5")


@pytest.mark.parametrize("text", ["", "  ", "abc", "1x", "h", "1h30", "-5m", "m30"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


def test_empty_and_garbage_messages() -> None:
    with pytest.raises(DurationError, match="empty duration"):
        parse_duration("")
    with pytest.raises(DurationError, match='"soon" is not a duration'):
        parse_duration("soon")


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0m"), (45, "45s"), (60, "1m"), (5400, "1h30m"), (86400, "1d"), (187200, "2d4h"),
    (-1800, "-30m"), (5430, "1h30m"), (59.6, "1m"), (694800, "1w1d"),
])
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_format_duration_of_nothing() -> None:
    assert format_duration(None) == "-"
    assert format_duration(None, empty="") == ""


@pytest.mark.parametrize(("text", "offset"), [
    ("T", 0), ("t", 0), ("T-14d", -14 * 86400), ("T+1h30m", 5400), ("T-30m", -1800), ("T - 2h", -7200),
])
def test_parse_ttime(text: str, offset: int) -> None:
    assert parse_ttime(text) == offset


@pytest.mark.parametrize("text", ["", "T+", "14d", "X-1d", "T*1d", "T-90"])
def test_bad_ttimes(text: str) -> None:
    with pytest.raises(DurationError, match="T-time"):
        parse_ttime(text)


def test_ttime_message_keeps_the_duration_hint() -> None:
    with pytest.raises(DurationError) as err:
        parse_ttime("T-90")
    assert "has no unit" in str(err.value) and "write T, T-14d or T+1h30m" in str(err.value)


@pytest.mark.parametrize(("offset", "text"), [(0, "T"), (-1209600, "T-2w"), (5400, "T+1h30m"), (None, "-")])
def test_format_ttime(offset: int | None, text: str) -> None:
    assert format_ttime(offset) == text


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=10 * 604800))
def test_two_part_formats_parse_back_to_within_the_dropped_part(seconds: int) -> None:
    text = format_duration(seconds)
    parsed = parse_duration(text)
    assert parsed <= seconds
    # only the smaller units after the first two parts are dropped
    assert seconds - parsed < 86400


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=-8 * 604800, max_value=8 * 604800).filter(lambda s: s % 60 == 0))
def test_ttime_round_trip_for_whole_hours_and_minutes(offset: int) -> None:
    if abs(offset) < 86400 or (abs(offset) < 604800 and abs(offset) % 3600 == 0):  # two parts suffice
        assert parse_ttime(format_ttime(offset)) == offset
