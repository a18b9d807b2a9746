"""SVG snapshots of the home, project and cutover screens at 80x24 and 160x48, with a
fixed clock and fixed data. Regenerate with ``pytest tests/test_snapshots.py
--snapshot-update`` only after looking at the report."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from updeck.models.commands import AddNote, DecideApproval, ItemAction, MoveItem
from updeck.storage.repository import Repository
from updeck.tui.dashboard.app import UpdeckApp

from tests.support.tui import ALICE, BOB, FIXED_NOW, Clock, make_project, wait_for, write_templates

SIZES = [(80, 24), (160, 48)]


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    templates = write_templates(tmp_path / "templates")
    monkeypatch.setenv("UPDECK_TEMPLATE_PATH", str(templates))
    db = tmp_path / "db"
    repo = Repository(db)
    pid = make_project(repo, templates)
    t = FIXED_NOW - timedelta(hours=3)

    def at(minutes: int) -> dict[str, Any]:
        return {"at": t + timedelta(minutes=minutes)}

    steps = [
        MoveItem(item="inventory", action=ItemAction.START, by=ALICE, **at(0)),
        MoveItem(item="inventory", action=ItemAction.DONE, by=ALICE, **at(25)),
        MoveItem(item="markup-trap", action=ItemAction.SKIP, reason="[b]not[/b] needed",
                 by=BOB, **at(30)),
        MoveItem(item="rehearse", action=ItemAction.START, by=BOB, **at(40)),
        AddNote(text="rehearsal restore is slow, [red]watch[/] it", item="rehearse", by=BOB,
                **at(60)),
        MoveItem(item="budget-staging", action=ItemAction.DONE, by=ALICE, **at(70)),
        DecideApproval(item="go-no-go", go=True, approver="app-owner", by=BOB, **at(90)),
    ]
    for command in steps:
        result = repo.submit(pid, command)
        assert isinstance(result, list), result
    return db, pid


def make(db: Path, **kw: Any) -> UpdeckApp:
    return UpdeckApp(Repository(db), operator=ALICE, now=Clock(), poll_interval=60, **kw)


async def loaded(pilot: Any) -> None:
    for _ in range(3):
        await pilot.pause(0.1)
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(snap_compare: Any, data: tuple[Path, str], size: tuple[int, int]) -> None:
    db, _ = data
    app = make(db)
    app.poller.interval = 0.05  # one quick poll lists the projects, then the test ends

    async def run_before(pilot: Any) -> None:
        await loaded(pilot)
        # The first poll lists the projects; under load it can take a while.
        assert await wait_for(pilot, lambda: bool(pilot.app.screen.rows), 60.0)
        await loaded(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_project(snap_compare: Any, data: tuple[Path, str], size: tuple[int, int]) -> None:
    db, pid = data
    app = make(db, project_id=pid)

    async def run_before(pilot: Any) -> None:
        await loaded(pilot)
        await pilot.press("4")  # the test phase: a running item and the traceability panel
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_cutover(snap_compare: Any, data: tuple[Path, str], size: tuple[int, int]) -> None:
    db, pid = data
    app = make(db, project_id=pid)

    async def run_before(pilot: Any) -> None:
        await loaded(pilot)
        await pilot.press("c")
        await loaded(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_zoomed_log_with_notice(snap_compare: Any, data: tuple[Path, str],
                                size: tuple[int, int]) -> None:
    """Issue 17: bob's changes in the notice bar under the header, marked in the log,
    and the log zoomed to the whole body (z)."""
    db, pid = data
    app = make(db, project_id=pid)

    async def run_before(pilot: Any) -> None:
        await loaded(pilot)
        from updeck.tui.dashboard.widgets.notice_bar import NoticeBar

        events = pilot.app.live[pid].events[-3:]
        pilot.app.screen.query_one(NoticeBar).changes(events)
        for log in pilot.app.screen.query("#log"):
            log.mark_others(e.seq for e in events)
        await pilot.press("l", "z")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_execute_in_planned_order_and_help(snap_compare: Any, data: tuple[Path, str],
                                           size: tuple[int, int]) -> None:
    """Issue 17: the execute phase (planned order, no panel so no p in the key bar)."""
    db, pid = data
    app = make(db, project_id=pid)

    async def run_before(pilot: Any) -> None:
        await loaded(pilot)
        await pilot.press("6")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
