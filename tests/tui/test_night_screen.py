"""Issue 17, the screen on the night at 80x24 and 160x48: other operators' changes in
the notice bar (never over the header), zoom, panels that say where they are, help that
scrolls, titles that get the width, planned order, filters across phases."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console
from updeck.models.commands import AddNote, ItemAction, MoveItem
from updeck.models.plan import plan_for
from updeck.storage.repository import Repository
from updeck.tui.dashboard.item_filter import ItemFilter, ordered_items
from updeck.tui.dashboard.screens.help import HelpScreen
from updeck.tui.dashboard.widgets.checklist import Checklist
from updeck.tui.dashboard.widgets.notice_bar import NoticeBar
from updeck.tui.dashboard.widgets.status_log import StatusLog

from tests.support.tui import ALICE, BIG, BOB, FIXED_NOW, SMALL, make_app, screen_text, settle, wait_for

SIZES = pytest.mark.parametrize("size", [SMALL, BIG], ids=lambda s: f"{s[0]}x{s[1]}")


@SIZES
async def test_others_changes_coalesce_in_the_notice_bar_not_toasts(
        env: dict[str, Any], size: tuple[int, int]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        header = screen_text(app).splitlines()[:2]
        other = Repository(env["db"])
        other.submit(env["pid"], MoveItem(item="inventory", action=ItemAction.START, by=BOB,
                                          at=FIXED_NOW))
        other.submit(env["pid"], AddNote(text="disk at 80%", by=BOB, at=FIXED_NOW))
        other.submit(env["pid"], MoveItem(item="inventory", action=ItemAction.DONE, by=BOB,
                                          at=FIXED_NOW))
        bar = app.screen.query_one(NoticeBar)
        assert await wait_for(pilot, lambda: bar.display and "3 changes" in bar.text, 5.0), \
            bar.text
        assert bar.text.startswith("3 changes by bob, last: inventory done")
        assert not app.notes  # type: ignore[attr-defined]  # no toast at all
        # The bar's text is set before the screen is laid out again: wait for the paint.
        assert await wait_for(
            pilot, lambda: "3 changes by bob" in screen_text(app).splitlines()[4]), \
            screen_text(app)  # under the header and the phase bar
        lines = screen_text(app).splitlines()
        assert [line[:30] for line in lines[:2]] == [line[:30] for line in header]
        log = app.screen.query_one(StatusLog)
        assert len(log.others) == 3


async def test_a_change_that_arrives_with_the_log_is_told_too(env: dict[str, Any]) -> None:
    # The first screen is drawn before the whole log is read; a change written meanwhile
    # arrives with the log, not with a poll, and must still reach the notice bar.
    from updeck.tui.dashboard.messages import HistoryLoaded

    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        app.poller.stop()  # only the log read can bring it now
        other = Repository(env["db"])
        other.submit(env["pid"], AddNote(text="disk at 80%", by=BOB, at=FIXED_NOW))
        app.post_message(HistoryLoaded(env["pid"], other.events(env["pid"])))
        bar = app.screen.query_one(NoticeBar)
        assert await wait_for(pilot, lambda: bar.display and "bob" in bar.text), bar.text
        assert "disk at 80%" in bar.text


@SIZES
async def test_z_zooms_the_focused_pane_and_back(env: dict[str, Any],
                                                 size: tuple[int, int]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        log = app.screen.query_one(StatusLog)
        checklist = app.screen.query_one(Checklist)
        normal = log.size.height
        await pilot.press("l", "z")
        await pilot.pause()
        assert log.size.height > normal + 5
        assert not checklist.region.height  # hidden
        assert "T-" in screen_text(app).splitlines()[0]  # the header stays
        await pilot.press("z")
        await pilot.pause()
        assert log.size.height == normal and checklist.region.height
        await pilot.press("tab")  # the checklist → zoom it; esc comes back
        checklist.focus()
        await pilot.press("z")
        await pilot.pause()
        assert checklist.size.width >= size[0] - 2 and not log.region.height
        await pilot.press("escape")
        await pilot.pause()
        assert log.region.height


@SIZES
async def test_p_shows_where_a_panel_exists_and_says_so_where_not(
        env: dict[str, Any], size: tuple[int, int]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("3")  # plan: the budget panel
        await pilot.pause()
        assert " p Panel" in screen_text(app).splitlines()[-1]
        await pilot.press("6")  # execute: no panel
        await pilot.pause()
        assert " p Panel" not in screen_text(app).splitlines()[-1]
        await pilot.press("p")
        await pilot.pause()
        assert "no panel on 6 Execute" in screen_text(app)


@SIZES
async def test_help_scrolls_without_tab(env: dict[str, Any], size: tuple[int, int]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=(size[0], 20)) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        body = app.screen.query_one("#help-body")
        assert body.max_scroll_y > 0
        await pilot.press("j", "down")
        await pilot.pause()
        assert body.scroll_y == 2
        await pilot.press("end")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("home")
        await pilot.pause()
        assert body.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y > 2
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(app.screen.help_text())
        keys = {line.split()[0] for line in console.export_text().splitlines() if line.strip()}
        assert {"z", "p", "M", "l", "/", "c", "W", "$"} <= keys


async def test_titles_get_the_width_first(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await pilot.press("4")
        await pilot.pause()
        text = screen_text(app)
        # 40 of the title's 41 characters at 80 columns (27 before the id column gave way)
        assert "Rehearse the upgrade on a restored backu" in text
        checklist = app.screen.query_one(Checklist)
        assert checklist.id_width(77) == 0  # the id column gives way
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        await pilot.press("4")
        await pilot.pause()
        text = screen_text(app)
        assert "rehearse" in text and "Rehearse the upgrade on a restored backup" in text


def test_execute_lists_in_planned_order(env: dict[str, Any]) -> None:
    state = Repository(env["db"]).load(env["pid"])
    plan = plan_for(state)
    rows = [s.id for s in ordered_items(state, "execute")]
    starts = [plan.planned_start.get(r) for r in rows]
    assert sorted(rows) == sorted(s.id for s in state.phase_items("execute"))
    known = [s for s in starts if s is not None]
    assert known == sorted(known)
    assert rows.index("go-no-go") < rows.index("stop-apps") < rows.index("upgrade")


def test_filter_spans_phases_and_owner_me() -> None:
    f = ItemFilter.parse("* owner:me", me=("dba",))
    assert f.all_phases and f.owners == ["dba"] and f.active
    assert ItemFilter.parse("*upgrade").text == ["upgrade"]
    assert ItemFilter.parse("owner:me").errors


async def test_mine_lists_my_items_across_phases(env: dict[str, Any]) -> None:
    from updeck.models.events import Operator

    app = make_app(env, project_id=env["pid"], operator=Operator("dba", "h"))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await pilot.press("M")
        await settle(pilot, app)
        checklist = app.screen.query_one(Checklist)
        assert checklist.rows == ["inventory", "upgrade"]
        assert "All phases" in screen_text(app)
        await pilot.press("M")
        await settle(pilot, app)
        assert "inventory" in checklist.rows and "markup-trap" in checklist.rows


@SIZES
async def test_log_search_by_operator_item_kind_and_words(
        env: dict[str, Any], size: tuple[int, int]) -> None:
    repo = Repository(env["db"])
    repo.submit(env["pid"], AddNote(text="disk at 80%", item="inventory", by=BOB, at=FIXED_NOW))
    repo.submit(env["pid"], MoveItem(item="inventory", action=ItemAction.START, by=BOB,
                                     at=FIXED_NOW))
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        log = app.screen.query_one(StatusLog)
        await pilot.press("l", "z", "slash")
        await pilot.pause()
        await pilot.press(*"by:bob kind:notes disk", "enter")
        await pilot.pause()
        assert [log.events[i].payload.get("text") for i in log.shown] == ["disk at 80%"]
        assert "search: by:bob kind:notes disk (1)" in screen_text(app)
        log.set_search("item:inventory")
        assert len(log.shown) == 2
        log.set_search("")
        assert len(log.shown) == len(log.events)


async def test_new_project_dialog_at_80x24_keeps_selection_and_typed_text(
        env: dict[str, Any]) -> None:
    from textual.widgets import Input, OptionList

    app = make_app(env)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app, 0.2)
        await pilot.press("n")
        assert await wait_for(pilot, lambda: "✔ tui-test" in screen_text(app), 10.0)
        await pilot.press("enter")  # the first good template
        assert await wait_for(pilot, lambda: "Cluster name" in screen_text(app), 10.0)
        await pilot.pause()
        lines = screen_text(app).splitlines()
        # the chosen template is still in view in the (now small) list
        assert any("✔ tui-test" in line for line in lines[:10]), "\n".join(lines)
        await pilot.press(*"Payroll", "tab", "ctrl+u", *"pg-pay")
        await pilot.press("shift+tab", "shift+tab")
        assert isinstance(app.focused, OptionList)
        await pilot.press("enter")  # on the list again: the same template
        await settle(pilot, app)
        screen = app.screen
        assert screen.query_one("#name", Input).value == "Payroll"
        assert screen.query_one("#var-cluster", Input).value == "pg-pay"


@SIZES
async def test_tab_reaches_the_panel_and_z_zooms_it(env: dict[str, Any],
                                                    size: tuple[int, int]) -> None:
    from updeck.tui.dashboard.widgets.budget import BudgetPanel

    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("3")
        if size == SMALL:
            await pilot.press("p")  # at 80 columns the panel takes the detail's place
        await pilot.pause()
        panel = app.screen.query_one(BudgetPanel)
        for _ in range(4):
            if app.focused is panel:
                break
            await pilot.press("tab")
        assert app.focused is panel
        await pilot.press("z")
        await pilot.pause()
        assert panel.size.height >= size[1] - 10 and panel.size.width >= size[0] - 4
        assert "budget planned" in screen_text(app)


async def test_owner_me_covers_the_roles_i_hold(env: dict[str, Any]) -> None:
    from updeck.models.commands import ChangeTeam
    from updeck.models.events import Operator

    result = Repository(env["db"]).submit(env["pid"], ChangeTeam(
        user="carol", role="dba", by=ALICE, at=FIXED_NOW))  # alice made the project
    assert isinstance(result, list), result
    app = make_app(env, project_id=env["pid"], operator=Operator("carol", "h"))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        await pilot.press("M")
        await settle(pilot, app)
        assert app.screen.query_one(Checklist).rows == ["inventory", "upgrade"]
