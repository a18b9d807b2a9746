"""Pilot tests: the header's site time and the operator's own time, and the checklist
grouped by workstream with a stream: filter, at 80x24 and 160x48."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from updeck.models.project import Window, instantiate
from updeck.storage.repository import Repository
from updeck.storage.templates import load_template_text
from updeck.tui.dashboard.item_filter import ItemFilter
from updeck.tui.dashboard.widgets.checklist import Checklist
from updeck.tui.dashboard.widgets.header_clock import HeaderClock

from tests.support.tui import ALICE, BIG, FIXED_NOW, SMALL, WINDOW_START, make_app, settle

TEMPLATE = """\
format: 1
id: teams
name: Parallel teams
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
      - id: start-app
        title: Start the application
        stream: app
        depends_on: [dump-db]
      - id: announce
        title: Announce the end
  monitor:
    items:
      - id: watch-db
        title: Watch replication lag
        stream: dba
"""


def teams_project(env: dict[str, Any]) -> str:
    template = load_template_text(TEMPLATE).template
    project = instantiate(template, "Teams", {}, Window(WINDOW_START, WINDOW_START + timedelta(hours=6)),
                          project_id="teams")
    Repository(env["db"]).create_project(project, by=ALICE, at=FIXED_NOW - timedelta(days=1))
    return "teams"


def header(app: Any) -> str:
    clock = app.screen.query_one(HeaderClock)
    return clock.render().plain


@pytest.mark.parametrize("size", [SMALL, BIG])
async def test_header_shows_site_time_and_the_operators_own(
        env: dict[str, Any], size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    app = make_app(env, project_id=teams_project(env))
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        top = header(app).splitlines()[0]
        assert "T-2h" in top
        assert "21:00:00 CET" in top  # 20:00 UTC is 21:00 in Berlin
        assert "you 15:00 EST" in top
        assert "23:00" in top  # the window start (22:00 UTC) in site time


async def test_header_without_a_zone_stays_utc(env: dict[str, Any],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TZ", raising=False)
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        top = header(app).splitlines()[0]
        assert "20:00:00 UTC" in top and "you" not in top


@pytest.mark.parametrize("size", [SMALL, BIG])
async def test_checklist_groups_items_by_stream(env: dict[str, Any], size: tuple[int, int]) -> None:
    app = make_app(env, project_id=teams_project(env))
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("6")  # execute
        await settle(pilot, app)
        checklist = app.screen.query_one(Checklist)
        assert checklist.rows == ["#stream:app", "stop-app", "start-app", "#stream:dba", "dump-db",
                                  "#stream:", "announce"]
        assert checklist.current == "stop-app"  # the cursor never rests on a header
        lines = [checklist.render_line(y).text for y in range(len(checklist.rows))]
        assert lines[0].startswith("── app  0/2 here")
        assert lines[3].startswith("── dba  0/1 here · 0/2 in all")
        assert lines[5].startswith("── (no stream)")
        assert "Stop the application" in lines[1]
        checklist.focus()
        await pilot.press("down", "down")  # start-app, then over the dba header to dump-db
        assert checklist.current == "dump-db"
        await pilot.press("up")
        assert checklist.current == "start-app"
        await pilot.press("home")
        assert checklist.current == "stop-app"

        checklist.set_filter(ItemFilter.parse("stream:dba"))
        await pilot.pause()
        assert checklist.rows == ["dump-db"]  # one stream left: no headers

        await pilot.press("7")  # monitor: one stream only, no header
        await settle(pilot, app)
        checklist.set_filter(ItemFilter())
        assert app.screen.query_one(Checklist).rows == ["watch-db"]
