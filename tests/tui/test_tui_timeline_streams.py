"""Pilot tests at 80x24 and 160x48: the timeline view (t) grouped by workstream, with the
critical-path marks kept; and the first screen of a project the command line already read
(drawn full at once, its log read after it, the home screen built when first shown)."""

from __future__ import annotations

import gc
from datetime import timedelta
from typing import Any

import pytest
from updeck.models.project import Window, instantiate
from updeck.storage.repository import Repository
from updeck.storage.templates import load_template_text
from updeck.tui.common import startup_gc
from updeck.tui.dashboard.screens.home import HomeScreen
from updeck.tui.dashboard.screens.timeline import TimelineScreen
from updeck.tui.dashboard.widgets.status_log import StatusLog

from tests.support.streams import STREAMS_TEMPLATE
from tests.support.tui import (
    ALICE,
    BIG,
    FIXED_NOW,
    SMALL,
    WINDOW_START,
    make_app,
    screen_text,
    settle,
    wait_for,
)


def streams_project(env: dict[str, Any]) -> str:
    template = load_template_text(STREAMS_TEMPLATE).template
    project = instantiate(template, "Teams", {}, Window(WINDOW_START, WINDOW_START + timedelta(hours=6)),
                          project_id="streams")
    Repository(env["db"]).create_project(project, by=ALICE, at=FIXED_NOW - timedelta(days=1))
    return "streams"


@pytest.mark.parametrize("size", [SMALL, BIG])
async def test_timeline_groups_rows_by_stream(env: dict[str, Any], size: tuple[int, int]) -> None:
    app = make_app(env, project_id=streams_project(env))
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        assert await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        await settle(pilot, app)
        lines = screen_text(app).splitlines()
        marks = [(line.strip()[:2], line.split()[1]) for line in lines
                 if line.strip().startswith("── ") or any(
                     f" {i} " in line for i in ("dump-db", "stop-app", "restore-db",
                                                "start-app", "announce"))]
        names = [name for mark, name in marks]
        assert names == ["dba", "dump-db", "restore-db", "app", "stop-app", "start-app",
                         "(no", "announce"]
        rows = {name: line for line in lines for name in names if f" {name} " in line
                and not line.strip().startswith("──")}
        assert rows["restore-db"].lstrip().startswith("◆")  # the critical path is marked
        assert not rows["stop-app"].lstrip().startswith("◆")
        heading = next(line for line in lines if line.strip().startswith("── dba"))
        assert "0/2 done" in heading


async def test_timeline_without_streams_has_no_headings(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        assert await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        await settle(pilot, app)
        text = screen_text(app)
        assert "execute phase, 3 items" in text and "── " not in text


@pytest.mark.parametrize("size", [SMALL, BIG])
async def test_a_project_read_before_start_is_drawn_at_once(env: dict[str, Any],
                                                             size: tuple[int, int]) -> None:
    repo = Repository(env["db"])
    state = repo.load(env["pid"])
    before = gc.get_threshold()
    startup_gc.loading()  # as the command line does for the screens
    app = make_app(env, project_id=env["pid"], start_state=state)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        # The first frame already shows the checklist (no "loading…" in between) ...
        assert " done · " in screen_text(app) and "loading…" not in screen_text(app)
        home = app.screen_stack[-2]
        assert isinstance(home, HomeScreen) and not home.built  # ... and no table under it
        # ... and the status log is read after it.
        assert await wait_for(pilot, lambda: app.live[env["pid"]].complete)
        assert gc.get_threshold() == before  # the first screen is up: usual collections
        await settle(pilot, app)
        log = app.screen.query_one(StatusLog)
        assert len(log.events) == len(repo.events(env["pid"]))
        await pilot.press("escape")  # back to the home screen: built now, with the project
        assert await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert await wait_for(pilot, lambda: home.built and env["pid"] in home.rows)
        assert "updeck · projects" in screen_text(app)
