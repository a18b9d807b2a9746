"""Done on a metric item that is not on target asks for the reason the rules want."""

from __future__ import annotations

from typing import Any

from updeck.models.commands import RecordMetric
from updeck.models.state import ItemStatus
from updeck.storage.repository import Repository
from updeck.tui.dashboard.screens.reason import ReasonDialog

from tests.support.tui import ALICE, FIXED_NOW, make_app, screen_text, select_item, settle


async def test_done_on_an_off_target_metric_asks_why_and_keeps_the_reason(env: dict[str, Any]) -> None:
    repo = Repository(env["db"])
    repo.submit(env["pid"], RecordMetric(item="p95", value="0.2s", by=ALICE, at=FIXED_NOW))
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot, app)
        await select_item(pilot, app, 7, "p95")
        await pilot.press("d")
        await settle(pilot, app)
        assert isinstance(app.screen, ReasonDialog)
        assert "0.2s (200ms) misses <= 150ms" in screen_text(app)
        await pilot.press(*"accepted by the owner", "enter")
        await settle(pilot, app)
    run = Repository(env["db"]).load(env["pid"]).items["p95"]
    assert run.status is ItemStatus.DONE and run.reason == "accepted by the owner"
