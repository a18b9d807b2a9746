"""Pilot tests of the dashboard's flows, against a real Repository in a temp folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from updeck.models.commands import AddNote, DecideApproval, ItemAction, MoveItem
from updeck.models.state import ItemStatus
from updeck.storage.repository import Repository
from updeck.tui.dashboard.app import UpdeckApp
from updeck.tui.dashboard.screens.cutover import CutoverScreen
from updeck.tui.dashboard.screens.help import HelpScreen
from updeck.tui.dashboard.screens.home import HomeScreen
from updeck.tui.dashboard.screens.project import ProjectScreen
from updeck.tui.dashboard.widgets.checklist import Checklist
from updeck.tui.dashboard.widgets.notice_bar import NoticeBar

from tests.support.tui import (
    ALICE,
    BIG,
    BOB,
    FIXED_NOW,
    SMALL,
    make_app,
    make_project,
    screen_text,
    select_item,
    settle,
    wait_for,
)


def status(env: dict[str, Any], item: str) -> ItemStatus:
    return Repository(env["db"]).load(env["pid"]).items[item].status


async def test_project_screen_shows_seven_phases_and_literal_titles(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, ProjectScreen)
        text = screen_text(app)
        for name in ("1 Assess", "2 Reqs", "3 Plan", "4 Test", "5 Comms", "6 Execute", "7 Monitor"):
            assert name in text
        assert "[bold red]x[/] literal title" in text  # never parsed as markup
        assert "○ todo" in text and "T-2h" in text and "ON TIME" in text


async def test_move_an_item_through_every_state_with_the_keys(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await select_item(pilot, app, 1, "inventory")
        steps = [
            (["s"], ItemStatus.IN_PROGRESS),
            (["b", *"waiting for DBA", "enter"], ItemStatus.BLOCKED),
            (["u"], ItemStatus.IN_PROGRESS),
            (["f", *"disk full", "enter"], ItemStatus.FAILED),
            (["r", *"retry after cleanup", "enter"], ItemStatus.TODO),
            (["d"], ItemStatus.DONE),
            (["r", *"numbers were wrong", "enter"], ItemStatus.TODO),
            (["x", *"not needed here", "enter"], ItemStatus.SKIPPED),
        ]
        for keys, expected in steps:
            await pilot.press(*keys)
            await settle(pilot, app)
            assert status(env, "inventory") is expected, keys
            assert app.live[env["pid"]].state.items["inventory"].status is expected
        text = screen_text(app)
        assert "⤼ skipped" in text and "not needed here" in text
        # Our own changes are not announced as someone else's.
        assert not [n for n in app.notes if n[1].get("title") == "alice"]  # type: ignore[attr-defined]


async def test_a_reason_is_required_and_escape_cancels(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await select_item(pilot, app, 1, "inventory")
        await pilot.press("f", "enter")  # empty reason: the dialog stays
        await settle(pilot, app)
        assert "a reason is required" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, ProjectScreen)
        assert status(env, "inventory") is ItemStatus.TODO


async def test_a_refusal_shows_the_engines_reason_and_changes_nothing(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await select_item(pilot, app, 4, "rehearse")
        before = Repository(env["db"]).load(env["pid"]).seq
        await pilot.press("d")
        await settle(pilot, app)
        refusals = [n for n in app.notes if "Refused" in str(n[1].get("title"))]  # type: ignore[attr-defined]
        assert refusals and "waiting for inventory (todo)" in refusals[-1][0]
        assert Repository(env["db"]).load(env["pid"]).seq == before
        assert status(env, "rehearse") is ItemStatus.TODO


async def test_approval_by_two_operators(env: dict[str, Any]) -> None:
    # Bob (another process, another operator) says go for app-owner ...
    Repository(env["db"]).submit(env["pid"], DecideApproval(
        item="go-no-go", go=True, approver="app-owner", by=BOB, at=FIXED_NOW))
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        await select_item(pilot, app, 6, "go-no-go")
        assert "change-manager: pending" in screen_text(app)
        # ... and alice says go for change-manager in the dashboard.
        await pilot.press("a")
        await settle(pilot, app)
        assert "Go/no-go: go-no-go" in screen_text(app)
        from textual.widgets import OptionList

        options = app.screen.query_one(OptionList)
        options.highlighted = 0  # change-manager
        await pilot.press("g")
        await settle(pilot, app)
        state = Repository(env["db"]).load(env["pid"])
        assert state.items["go-no-go"].status is ItemStatus.DONE
        assert {(d.approver, d.by) for d in state.items["go-no-go"].decisions} == {
            ("app-owner", "bob"), ("change-manager", "alice")}
        text = screen_text(app)
        assert "✔ GO change-manager by alice" in text and "✔ GO app-owner by bob" in text


async def test_a_no_go_holds_and_is_marked(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        await select_item(pilot, app, 6, "go-no-go")
        await pilot.press("a")
        await settle(pilot, app)
        await pilot.press("tab", *"backups not verified", "enter", "n")
        await settle(pilot, app)
        state = Repository(env["db"]).load(env["pid"])
        assert state.items["go-no-go"].status is ItemStatus.FAILED
        text = screen_text(app)
        assert "NOGO" in text and "✘ failed" in text


async def test_a_note_goes_into_the_log(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await pilot.press("n", *"[red]starting[/] now", "enter")
        await settle(pilot, app)
        events = Repository(env["db"]).events(env["pid"])
        assert events[-1].payload["text"] == "[red]starting[/] now"
        assert events[-1].item == "inventory"
        assert "note on inventory: [red]starting[/] now" in screen_text(app)


async def test_filter_by_owner_state_and_text(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"owner:ops state:todo", "enter")
        await settle(pilot, app)
        checklist = app.screen.query_one(Checklist)
        assert checklist.rows == ["markup-trap", "limits"]
        assert "filter: owner:ops state:todo" in screen_text(app)
        await pilot.press("slash", "ctrl+u", *"limits", "enter")
        await settle(pilot, app)
        assert checklist.rows == ["limits"]
        await pilot.press("escape")  # clears the filter
        await settle(pilot, app)
        assert len(checklist.rows) == 3
        await pilot.press("slash", "ctrl+u", *"state:bogus", "enter")
        await settle(pilot, app)
        assert "unknown state 'bogus'" in screen_text(app)


async def test_cutover_view_finishes_the_running_item(env: dict[str, Any]) -> None:
    repo = Repository(env["db"])
    for approver in ("change-manager", "app-owner"):
        repo.submit(env["pid"], DecideApproval(item="go-no-go", go=True, approver=approver,
                                               by=BOB, at=FIXED_NOW))
    repo.submit(env["pid"], MoveItem(item="stop-apps", action=ItemAction.START, by=BOB,
                                     at=FIXED_NOW))
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await pilot.press("c")
        await settle(pilot, app)
        assert isinstance(app.screen, CutoverScreen)
        text = screen_text(app)
        assert "stop-apps" in text and "running 0m of 10m" in text
        assert "GO" in text and "backout" in text
        await pilot.press("d")
        await settle(pilot, app)
        assert status(env, "stop-apps") is ItemStatus.DONE
        text = screen_text(app)
        assert "nothing is running" in text and "upgrade" in text  # next and ready
        await pilot.press("w")
        await settle(pilot, app)
        await pilot.press("y")  # open the window now
        await settle(pilot, app)
        assert Repository(env["db"]).load(env["pid"]).opened_at is not None
        await pilot.press("R", *"writers did not stop", "enter")  # roll back
        await settle(pilot, app)
        rollback = Repository(env["db"]).load(env["pid"]).rollback
        assert rollback is not None and rollback.reason == "writers did not stop"
        assert [step.item for step in rollback.steps] == ["stop-apps"]
        assert "ROLLBACK IN PROGRESS" in screen_text(app)
        await pilot.press("s")  # during a rollback: the next backout step, not forward work
        await settle(pilot, app)
        assert status(env, "upgrade") is ItemStatus.TODO
        plan = Repository(env["db"]).load(env["pid"]).rollback
        assert plan is not None and plan.steps[0].status is ItemStatus.IN_PROGRESS
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, ProjectScreen)


async def test_read_only_changes_nothing(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"], read_only=True)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        before = Repository(env["db"]).load(env["pid"]).seq
        for key in ("s", "d", "a", "n", "v", "f", "x"):
            await pilot.press(key)
            await settle(pilot, app)
            assert isinstance(app.screen, ProjectScreen), key  # no dialog opened
        assert Repository(env["db"]).load(env["pid"]).seq == before
        text = screen_text(app)
        assert "read-only" in text
        assert "s Start" not in text and "d Done" not in text
        await pilot.press("c", "d")
        await settle(pilot, app)
        assert Repository(env["db"]).load(env["pid"]).seq == before


async def test_change_by_another_process_appears_within_a_second(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"], poll_interval=0.5)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        updeck = Path(sys.executable).parent / "updeck"
        done = subprocess.run(
            [str(updeck), "--db", str(env["db"]), "--as", "bob", "note", env["pid"],
             "switching DNS now"], capture_output=True, text=True, timeout=30,
            env={**os.environ})
        assert done.returncode == 0, done.stderr
        # How fast is bench_tui's job; here: it appears without any key pressed.
        assert await wait_for(pilot, lambda: "switching DNS now" in screen_text(app), 3.0)
        # Said in the one-line notice bar, never as a toast over the header.
        notice = app.screen.query_one(NoticeBar)
        assert notice.display and notice.text.startswith("bob: ") and \
            "switching DNS now" in notice.text
        assert not any("switching DNS now" in n[0] for n in app.notes)  # type: ignore[attr-defined]
        # A second repository (another writer) moving an item shows too.
        Repository(env["db"]).submit(env["pid"], MoveItem(
            item="inventory", action=ItemAction.START, by=BOB, at=FIXED_NOW))
        assert await wait_for(pilot, lambda: "▶ running" in screen_text(app), 2.0)


async def test_poll_pauses_while_a_dialog_is_open(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await pilot.pause(0.2)
        polls = app.poller.polls
        await pilot.pause(0.5)
        assert app.poller.polls == polls
        Repository(env["db"]).submit(env["pid"], AddNote(text="while typing", by=BOB,
                                                         at=FIXED_NOW))
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: "while typing" in screen_text(app), 2.0)


async def test_verification_runs_in_a_worker_and_is_recorded(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        await pilot.press("v")
        await settle(pilot, app)
        assert "1  echo inventory-ok" in screen_text(app)
        await pilot.press("y")
        assert await wait_for(pilot, lambda: bool(
            Repository(env["db"]).load(env["pid"]).items["inventory"].verifications), 60.0)
        await settle(pilot, app)
        check = Repository(env["db"]).load(env["pid"]).items["inventory"].verifications[-1]
        assert check.exit_code == 0 and "inventory-ok" in check.output_tail
        assert await wait_for(pilot, lambda: "✔ passed" in screen_text(app), 2.0)


async def test_home_lists_projects_and_create_a_project(env: dict[str, Any]) -> None:
    app = make_app(env)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app, 0.2)
        assert isinstance(app.screen, HomeScreen)
        assert await wait_for(pilot, lambda: "CRM cutover" in screen_text(app))
        text = screen_text(app)
        assert "tui-test" in text and "2026-12-05 22:00 T-2h" in text
        await pilot.press("n")
        assert await wait_for(pilot, lambda: "BROKEN" in screen_text(app))
        text = screen_text(app)
        assert "broken.yaml:9:19" in text or "has no unit" in text
        await pilot.press("enter")  # the first good template
        assert await wait_for(pilot, lambda: "Cluster name" in screen_text(app))
        await pilot.press(*"Payroll upgrade", "tab", "ctrl+u", *"pg-pay", "tab",
                          *"2026-12-20 21:00", "tab", *"5h")  # the end as a length
        await pilot.press("ctrl+s")
        assert await wait_for(pilot, lambda: isinstance(app.screen, ProjectScreen), 5.0)
        await settle(pilot, app)
        projects = {s.project.name: s for s in Repository(env["db"]).list_projects()}
        made = projects["Payroll upgrade"]
        assert made.project.variables["cluster"] == "pg-pay"
        assert made.window.start is not None and made.window.start.hour == 21
        assert made.window.end is not None and made.window.end.hour == 2  # 21:00 + 5h
        assert "List databases on pg-pay" in screen_text(app)
        await pilot.press("q")
        await settle(pilot, app)
        assert isinstance(app.screen, HomeScreen)


async def test_help_on_question_mark_and_f1(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        await pilot.press("pagedown")  # the help scrolls (issue 17): the marks are below
        await pilot.pause()
        text += screen_text(app)
        for words in ("start the selected item", "▶ running", "PONR", "NOGO", "filter"):
            assert words in text
        await pilot.press("escape")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProjectScreen)


async def test_command_palette_is_context_aware(env: dict[str, Any]) -> None:
    from updeck.tui.dashboard.palette import UpdeckCommands

    app = make_app(env, project_id=env["pid"], read_only=True)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        provider = UpdeckCommands(app.screen)
        titles = [title for title, _, _ in provider._commands()]
        assert any(t.startswith("Cutover") for t in titles)
        assert not any(t.startswith("Start") for t in titles)  # read-only
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        provider = UpdeckCommands(app.screen)
        commands = {title: callback for title, _, callback in provider._commands()}
        assert "Start (s)" in commands and "Phase 6: Execute the upgrade (6)" in commands
        result = commands["Start (s)"]()
        if result is not None:
            await result
        await settle(pilot, app)
        assert status(env, "inventory") is ItemStatus.IN_PROGRESS


async def test_narrow_detail_collapses_under_the_checklist(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        assert "History" not in screen_text(app)
        await pilot.press("enter")
        await settle(pilot, app)
        text = screen_text(app)
        assert "blocks: rehearse" in text and "estimate 30m" in text
        assert "○ todo    limits" in text  # the checklist is still there
        await pilot.press("escape")
        await settle(pilot, app)
        assert "History" not in screen_text(app)


async def test_log_filters_by_kind_and_operator(env: dict[str, Any]) -> None:
    repo = Repository(env["db"])
    repo.submit(env["pid"], AddNote(text="bob was here", by=BOB, at=FIXED_NOW))
    repo.submit(env["pid"], MoveItem(item="inventory", action=ItemAction.START, by=ALICE,
                                     at=FIXED_NOW))
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        await pilot.press("l", "t")  # kind: moves
        await pilot.pause()
        from updeck.tui.dashboard.widgets.status_log import StatusLog

        log = app.screen.query_one(StatusLog)

        def shown() -> str:
            return "\n".join(log.render_line(y).text for y in range(log.size.height))

        assert "inventory started" in shown() and "bob was here" not in shown()
        await pilot.press("t", "t")  # approvals, then notes
        await pilot.pause()
        assert "bob was here" in shown() and "inventory started" not in shown()
        await pilot.press("t", "t", "t", "t", "o")  # back to all, operator: first one
        await pilot.pause()
        assert log.operator_filter in ("alice", "bob")
        assert all(log.events[i].by.user == log.operator_filter for i in log.shown)


async def test_demo_project_opens(tmp_path: Path) -> None:
    from updeck.storage import demo

    repo = Repository(tmp_path / "demo")
    pid = demo.ensure_demo(repo)
    app = UpdeckApp(Repository(tmp_path / "demo"), project_id=pid, operator=ALICE)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app, 0.2)
        assert isinstance(app.screen, ProjectScreen)
        text = screen_text(app)
        assert "7 Monitor" in text and "Status log" in text


async def test_home_shows_a_damaged_project_with_its_error(env: dict[str, Any]) -> None:
    other = make_project(env["repo"], env["templates"], name="Broken one", project_id="broken-one")
    segments = sorted((env["db"] / "projects" / other).glob("log-*.json"))
    segments[0].write_text("{ this is not json")
    app = make_app(env)
    async with app.run_test(size=BIG) as pilot:
        assert await wait_for(pilot, lambda: "DAMAGED" in screen_text(app), 30.0)
        # The rows are drawn in their own widths at once (not the headers' widths until the
        # table next idles, which under load came after this screen was read).
        home = app.screen
        assert isinstance(home, HomeScreen)
        widths = home.column_widths()
        assert widths[0] == len("CRM cutover") and widths[1] == len("✘ DAMAGED")
        text = screen_text(app)
        assert "broken-one" in text and "CRM cutover" in text
        table_rows = home.rows
        from textual.widgets import DataTable

        app.screen.query_one(DataTable).move_cursor(row=table_rows.index(""))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)  # a damaged project is not opened
        assert any("damaged" in n[0] for n in app.notes)  # type: ignore[attr-defined]


async def test_no_color_still_says_everything_in_words(env: dict[str, Any],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await select_item(pilot, app, 1, "inventory")
        await pilot.press("d")
        await settle(pilot, app)
        text = screen_text(app)
        assert "✔ done" in text and "○ todo" in text and "ON TIME" in text
        assert "▲ 2 LATE" in text and "▸" in text


async def test_storage_and_worker_errors_are_shown_not_raised(env: dict[str, Any]) -> None:
    from updeck.storage.errors import Busy

    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)

        def busy(*args: Any, **kwargs: Any) -> Any:
            raise Busy(env["pid"], 10.0)

        app.repo.submit = busy  # type: ignore[method-assign]
        await pilot.press("s")
        await settle(pilot, app)
        assert any(n[1].get("title") == "Not saved" and "busy" in n[0]
                   for n in app.notes)  # type: ignore[attr-defined]

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("disk on fire")

        app.repo.submit = broken  # type: ignore[method-assign]
        await pilot.press("s")
        await settle(pilot, app)
        assert any("disk on fire" in n[0] for n in app.notes)  # type: ignore[attr-defined]
        assert isinstance(app.screen, ProjectScreen)  # still running, nothing raised
        assert status(env, "inventory") is ItemStatus.TODO


async def test_a_verification_that_hangs_is_stopped_and_recorded(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"], verify_timeout=1.0)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        app.run_verification(env["pid"], "inventory", "echo started; sleep 30")
        assert await wait_for(pilot, lambda: bool(
            Repository(env["db"]).load(env["pid"]).items["inventory"].verifications), 60.0)
        check = Repository(env["db"]).load(env["pid"]).items["inventory"].verifications[-1]
        assert check.exit_code == 124 and "timed out after 1s" in check.output_tail
        assert "started" in check.output_tail


async def test_a_verification_with_no_shell_records_nothing_and_says_so(
        env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # As the CLI: no shell to run in is no evidence either way, so nothing is recorded.
    def no_shell(*args: Any, **kwargs: Any) -> Any:
        raise OSError("bash not found")

    monkeypatch.setattr("updeck.tui.dashboard.workers.run_check", no_shell)
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        before = Repository(env["db"]).load(env["pid"]).seq
        app.run_verification(env["pid"], "inventory", "echo inventory-ok")
        assert await wait_for(pilot, lambda: any(
            "could not start the shell" in str(n[0]) for n in app.notes))  # type: ignore[attr-defined]
        state = Repository(env["db"]).load(env["pid"])
        assert state.seq == before and not state.items["inventory"].verifications
