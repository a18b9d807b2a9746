"""CLI: --timezone on new, times read in the site zone, and workstreams in status."""

from __future__ import annotations

import json

from tests.support.cli import Cli

STREAMS = """\
format: 1
id: streams
name: Parallel teams
timezone: Europe/Berlin
window:
  duration: 4h
phases:
  execute:
    items:
      - id: dump-db
        title: Dump the database
        stream: dba
      - id: stop-app
        title: Stop the application
        stream: app
      - id: switch-dns
        title: Switch DNS
        stream: network
        depends_on: [stop-app]
"""


def test_new_with_timezone_plans_the_window_in_site_time(cli: Cli) -> None:
    pid = cli.ok("new", "mini", "--name", "Berlin", "--var", "ticket=CHG-1", "--timezone", "Europe/Berlin",
                 "--window", "2026-12-05 22:00/6h").strip()
    data = json.loads(cli.ok("status", pid, "--json"))
    assert data["window"]["planned_start"] == "2026-12-05T21:00:00+00:00"
    assert data["window"]["planned_end"] == "2026-12-06T03:00:00+00:00"
    assert data["window"]["timezone"] == "Europe/Berlin" == data["project"]["timezone"]
    assert data["window"]["site_start"] == "2026-12-05T22:00:00+01:00"
    text = cli.ok("status", pid)
    assert "2026-12-05 21:00 UTC" in text and "2026-12-05 22:00 CET" in text
    report = cli.ok("export", pid, "--format", "md")
    assert "Europe/Berlin; times in this report are UTC" in report
    assert "2026-12-05 22:00 CET to 2026-12-06 04:00 CET (Europe/Berlin)" in report

    # window set reads a bare time in the site zone too; an explicit zone wins
    cli.ok("window", pid, "set", "2026-10-24 22:00", "2026-10-25 04:00")
    window = json.loads(cli.ok("status", pid, "--json"))["window"]
    assert (window["planned_start"], window["planned_end"]) == (
        "2026-10-24T20:00:00+00:00", "2026-10-25T03:00:00+00:00")  # 7 h: across the DST change
    cli.ok("window", pid, "set", "2026-12-05 22:00[Europe/London]", "6h")
    window = json.loads(cli.ok("status", pid, "--json"))["window"]
    assert window["planned_start"] == "2026-12-05T22:00:00+00:00"


def test_without_a_zone_times_stay_utc(cli: Cli) -> None:
    pid = cli.ok("new", "mini", "--name", "Plain", "--var", "ticket=CHG-1",
                 "--window", "2026-12-05 22:00/6h").strip()
    data = json.loads(cli.ok("status", pid, "--json"))
    assert data["window"]["planned_start"] == "2026-12-05T22:00:00+00:00"
    assert data["project"]["timezone"] == "UTC"
    assert "Site" not in cli.ok("status", pid)
    report = cli.ok("export", pid, "--format", "md")
    assert "Time zone" in report and "UTC; times in this report are UTC" in report


def test_an_unknown_zone_is_a_clean_usage_error(cli: Cli) -> None:
    result = cli("new", "mini", "--name", "X", "--timezone", "Europe/Berln")
    assert result.code == 2, str(result)
    assert "unknown time zone 'Europe/Berln'" in result.err and "Traceback" not in result.err
    result = cli("new", "mini", "--name", "X", "--window", "2026-12-05 22:00[Mars/Base]")
    assert result.code == 2 and "unknown time zone 'Mars/Base'" in result.err
    (cli.templates / "bad-zone.yaml").write_text(STREAMS.replace("id: streams", "id: bad-zone")
                                                 .replace("Europe/Berlin", "Europe/Berln"))
    result = cli("validate", str(cli.templates / "bad-zone.yaml"))
    assert result.code != 0 and "bad-zone.yaml:4:11" in result.out + result.err


def test_template_zone_and_streams_in_status(cli: Cli) -> None:
    (cli.templates / "streams.yaml").write_text(STREAMS)
    pid = cli.ok("new", "streams", "--name", "Teams", "--window", "2026-12-05 22:00").strip()
    cli.ok("item", pid, "stop-app", "start")
    cli.ok("item", pid, "stop-app", "done")
    data = json.loads(cli.ok("status", pid, "--json"))
    assert data["window"]["planned_start"] == "2026-12-05T21:00:00+00:00"  # template's zone
    streams = {s["id"]: (s["complete"], s["total"]) for s in data["streams"]}
    assert streams == {"dba": (0, 1), "app": (1, 1), "network": (0, 1)}
    text = cli.ok("status", pid)
    assert "Streams" in text and "app" in text.split("Streams", 1)[1]
    only = json.loads(cli.ok("status", pid, "--json", "--stream", "network"))
    assert only["ready"] == ["switch-dns"] and [s["id"] for s in only["streams"]] == ["network"]
    assert "Workstreams" in cli.ok("export", pid, "--format", "md")
    result = cli("status", pid, "--stream", "storage")
    assert result.code == 2 and "dba, app, network" in result.err
    # --timezone overrides the template's
    other = cli.ok("new", "streams", "--name", "NY", "--timezone", "America/New_York",
                   "--window", "2026-12-05 22:00").strip()
    assert json.loads(cli.ok("status", other, "--json"))["window"]["planned_start"] == \
        "2026-12-06T03:00:00+00:00"
