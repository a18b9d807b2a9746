"""Site time zones and workstreams: zone names, times read in a zone (offsets, RFC 9557
suffixes), windows across DST changes, and the template keys timezone: and stream:."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from updeck.models.project import instantiate, project_from_dict, project_to_dict
from updeck.models.schedule import compute_schedule
from updeck.models.state import ItemStatus
from updeck.models.summary import summarise
from updeck.models.timezones import UnknownZoneError, zone_named, zone_problem
from updeck.storage.templates import TemplateErrors, load_template_text
from updeck.tui.common.values import parse_moment, parse_window
from updeck.tui.dashboard.screens.window_dialog import parse_start, parse_window_end

from tests.support.engine import Driver, bring_to, item

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BERLIN = zone_named("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_known_and_unknown_zone_names() -> None:
    assert zone_problem("Europe/Berlin") is None and zone_problem("UTC") is None
    assert zone_named("") is UTC and zone_named("utc") is UTC
    for bad in ("Mars/Base", "../etc/passwd", "/etc/localtime", ""):
        problem = zone_problem(bad)
        assert problem is not None and "Europe/Berlin" in problem  # says what to write
    with pytest.raises(UnknownZoneError, match="unknown time zone 'Mars/Base'"):
        zone_named("Mars/Base")


def test_a_time_without_offset_is_read_in_the_site_zone() -> None:
    assert parse_moment("2026-12-05 22:00", NOW) == utc(2026, 12, 5, 22)  # no zone: UTC
    assert parse_moment("2026-12-05 22:00", NOW, zone=BERLIN) == utc(2026, 12, 5, 21)
    assert parse_moment("2026-07-05 22:00", NOW, zone=BERLIN) == utc(2026, 7, 5, 20)  # CEST


@pytest.mark.parametrize("text", [
    "2026-12-05 22:00[Europe/Berlin]",
    "2026-12-05T22:00+01:00[Europe/Berlin]",
    "2026-12-05T22:00[!Europe/Berlin]",
    "2026-12-05 22:00 Europe/Berlin",
    "2026-12-05T22:00+01:00",
    "2026-12-05T21:00Z",
])
def test_an_explicit_offset_or_zone_wins_over_the_site_zone(text: str) -> None:
    new_york = zone_named("America/New_York")
    assert parse_moment(text, NOW, zone=new_york) == utc(2026, 12, 5, 21)


def test_a_zone_suffix_that_contradicts_the_offset_or_is_unknown_is_refused() -> None:
    with pytest.raises(ValueError, match="does not match the zone"):
        parse_moment("2026-12-05T22:00+05:00[Europe/Berlin]", NOW)
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
        parse_moment("2026-12-05 22:00[Mars/Base]", NOW)


def test_the_done_when_window_plans_at_21_utc() -> None:
    assert parse_window("2026-12-05 22:00/6h", NOW, zone=BERLIN) == (
        utc(2026, 12, 5, 21), utc(2026, 12, 6, 3))
    assert parse_window("2026-12-05 22:00[Europe/Berlin]/2026-12-06 04:00[Europe/Berlin]",
                        NOW) == (utc(2026, 12, 5, 21), utc(2026, 12, 6, 3))


def test_a_window_across_the_october_change_is_one_hour_longer_by_the_wall_clock() -> None:
    # 25 October 2026, last Sunday of October: 03:00 CEST becomes 02:00 CET.
    start, end = parse_window("2026-10-24 22:00/2026-10-25 04:00", NOW, zone=BERLIN)
    assert (start, end) == (utc(2026, 10, 24, 20), utc(2026, 10, 25, 3))
    assert end is not None and (end - start).total_seconds() == 7 * 3600
    _, six_hours = parse_window("2026-10-24 22:00/6h", NOW, zone=BERLIN)
    assert six_hours == utc(2026, 10, 25, 2)  # six real hours: 03:00 CET on the wall


def test_a_window_across_the_march_change_is_one_hour_shorter_by_the_wall_clock() -> None:
    # 29 March 2026, last Sunday of March: 02:00 CET becomes 03:00 CEST.
    start, end = parse_window("2026-03-28 22:00/2026-03-29 04:00", NOW, zone=BERLIN)
    assert (start, end) == (utc(2026, 3, 28, 21), utc(2026, 3, 29, 2))
    assert end is not None and (end - start).total_seconds() == 5 * 3600


def test_the_window_dialog_reads_clock_times_in_the_site_zone() -> None:
    now = utc(2026, 10, 24, 12)
    start = parse_start("22:00", now, BERLIN)
    assert start == utc(2026, 10, 24, 20)
    assert parse_window_end("04:00", start, now, BERLIN) == utc(2026, 10, 25, 3)  # after the change
    assert parse_start("2026-10-24 22:00", now, BERLIN) == start


TEMPLATE = """\
format: 1
id: zoned
name: Zoned cutover
timezone: Europe/Berlin
phases:
  execute:
    items:
      - id: stop-app
        title: Stop the application
        stream: app
      - id: dump-db
        title: Dump the database
        stream: dba
      - id: switch-dns
        title: Switch DNS
        stream: network
      - id: start-app
        title: Start the application
        stream: app
      - id: announce
        title: Announce the end
"""


def test_template_timezone_and_streams_load_and_survive_the_log() -> None:
    template = load_template_text(TEMPLATE).template
    assert template.timezone == "Europe/Berlin"
    assert [s.stream for s in template.items()] == ["app", "dba", "network", "app", ""]
    project = instantiate(template, "Zoned", {})
    assert project.timezone == "Europe/Berlin"
    assert instantiate(template, "Zoned", {}, timezone="Asia/Tokyo").timezone == "Asia/Tokyo"
    again = project_from_dict(project_to_dict(project))
    assert again.timezone == "Europe/Berlin" and again.template.item("dump-db").stream == "dba"


def test_an_unknown_timezone_or_a_bad_stream_is_a_template_error_at_its_place() -> None:
    text = TEMPLATE.replace("timezone: Europe/Berlin", "timezone: Europe/Berln").replace(
        "stream: dba", "stream: Data Base")
    with pytest.raises(TemplateErrors) as caught:
        load_template_text(text, "zoned.yaml")
    errors = {(e.line, e.col): e.message for e in caught.value.errors}
    assert "unknown time zone 'Europe/Berln'" in errors[(4, 11)]
    assert "stream" in errors[(13, 17)] and "lowercase" in errors[(13, 17)]


def test_per_stream_progress_is_in_the_summary() -> None:
    driver = Driver(item("stop-app", stream="app"), item("dump-db", stream="dba"),
                    item("switch-dns", stream="network"), item("start-app", stream="app"),
                    item("announce"))
    for item_id in ("stop-app", "start-app"):
        bring_to(driver, item_id, ItemStatus.DONE)
    state = driver.state
    summary = summarise(state, compute_schedule(state, NOW))
    streams = {s.id: (s.progress.complete, s.progress.total) for s in summary.streams}
    assert streams == {"app": (2, 2), "dba": (0, 1), "network": (0, 1)}
    assert [s.id for s in summary.streams] == ["app", "dba", "network"]  # first appearance
