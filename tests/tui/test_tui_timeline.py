"""The timeline view (t) at 80x24 and 160x48: rows in planned order, critical-path marks,
the lines; and a lesson from the dashboard (L)."""

from __future__ import annotations

from typing import Any

import pytest
from updeck.models.events import EventKind
from updeck.tui.dashboard.screens.timeline import TimelineScreen

from tests.support.tui import BIG, SMALL, make_app, screen_text, settle, wait_for


@pytest.mark.parametrize("size", [SMALL, BIG])
async def test_timeline_rows_marks_and_lines(env: dict[str, Any], size: tuple[int, int]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        assert await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        await settle(pilot, app)
        text = screen_text(app)
        lines = text.splitlines()
        assert "execute phase, 3 items" in text
        rows = [line for line in lines if "go-no-go" in line or "stop-apps" in line
                or ("upgrade" in line and "Timeline" not in line)]
        order = [next(i for i in ("go-no-go", "stop-apps", "upgrade") if i in r) for r in rows]
        assert order == ["go-no-go", "stop-apps", "upgrade"]  # planned order
        assert all(r.lstrip().startswith("◆") for r in rows)  # the whole chain is critical
        assert "░" in rows[-1]  # a planned bar
        assert "E window end T+4h" in text and "D decide-by" in text
        assert "P point of no return T+50m" in text
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: not isinstance(app.screen, TimelineScreen))


async def test_checklist_marks_critical_path_items(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        await pilot.press("6")
        await settle(pilot, app)
        text = screen_text(app)
        line = next(line for line in text.splitlines() if "stop-apps" in line or "Stop application" in line)
        assert "◆" in line


async def test_lesson_from_the_dashboard(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await pilot.press("L", *"order disks early", "enter")
        await settle(pilot, app)
        events = env["repo"].events(env["pid"])
        notes = [e for e in events if e.kind is EventKind.NOTE]
        assert notes and notes[-1].payload == {"text": "order disks early", "lesson": True}
