"""The dashboard delivers notifications while no sender runs (and gives way to one), and
says in the notice bar what is not delivered (Pilot)."""

from __future__ import annotations

import json
from typing import Any

from updeck.models.commands import ChangeNotifyRules
from updeck.models.notify_rules import NotifyRule, NotifyTarget
from updeck.tui.dashboard.widgets.notice_bar import NoticeBar

from tests.support.tui import ALICE, FIXED_NOW, make_app, wait_for


async def test_an_open_dashboard_delivers_and_shows_what_waits(
        env: dict[str, Any], tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("UPDECK_TEST_NO_SUCH_HOOK", raising=False)
    archive = tmp_path / "archive.jsonl"
    rule = NotifyRule("arch", ("every_event",), (
        NotifyTarget("file", str(archive)),
        NotifyTarget("webhook", "${UPDECK_TEST_NO_SUCH_HOOK}")))
    repo = env["repo"]
    repo.submit(env["pid"], ChangeNotifyRules(rule=rule, by=ALICE, at=FIXED_NOW))
    from updeck.models.commands import AddNote

    repo.submit(env["pid"], AddNote(text="hello", by=ALICE, at=FIXED_NOW))
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=(120, 40)) as pilot:
        bar = app.screen.query_one(NoticeBar)
        # the webhook's secret is not in this environment: left queued for a sender
        assert await wait_for(pilot, lambda: archive.exists()
                              and "1 notification(s) not delivered yet" in bar.text)
        line = json.loads(archive.read_text().splitlines()[0])
        assert line["trigger"] == "every_event" and line["event"]["text"] == "note: hello"
        lease = json.loads((env["db"] / "projects" / env["pid"] / "notify" / "lease.json")
                           .read_text())
        assert lease["kind"] == "dashboard"
