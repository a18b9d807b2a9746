"""Pilot tests of the record dialogs: a metric reading (m), an actual cost ($), the
planned window (W), their refusals, the header without a window, and read-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from updeck.models.commands import RecordCost
from updeck.models.project import Window, instantiate
from updeck.storage.repository import Repository
from updeck.tui.common.values import parse_amount
from updeck.tui.dashboard.screens.cost_dialog import CostDialog
from updeck.tui.dashboard.screens.cutover import CutoverScreen
from updeck.tui.dashboard.screens.help import HelpScreen
from updeck.tui.dashboard.screens.metric_dialog import MetricDialog
from updeck.tui.dashboard.screens.project import ProjectScreen
from updeck.tui.dashboard.screens.window_dialog import WindowDialog, parse_start, parse_window_end
from updeck.tui.dashboard.widgets.key_bar import KeyBar

from tests.support.tui import (
    ALICE,
    BIG,
    FIXED_NOW,
    SMALL,
    make_app,
    screen_text,
    select_item,
    settle,
    wait_for,
)


def unplanned_project(env: dict[str, Any], *, default_length: bool = True) -> str:
    """A project of the test template with no window planned (optionally no default)."""
    from updeck.storage.templates import find_template

    path = env["templates"] / "tui-test.yaml"
    if not default_length:
        path = env["templates"] / "no-length.yaml"
        text = (env["templates"] / "tui-test.yaml").read_text()
        path.write_text(text.replace("id: tui-test", "id: no-length")
                        .replace("window:\n  duration: 4h\n", ""))
    loaded = find_template(path)
    project = instantiate(loaded.template, "Unplanned move", {}, Window(),
                          project_id="unplanned", sources_sha256=loaded.sha256)
    Repository(env["db"]).create_project(project, by=ALICE, at=FIXED_NOW - timedelta(days=1))
    return "unplanned"


def state(env: dict[str, Any], pid: str | None = None) -> Any:
    return Repository(env["db"]).load(pid or env["pid"])


def key_bar(app: Any) -> str:
    return str(app.screen.query_one(KeyBar).render())


async def type_into(pilot: Any, text: str) -> None:
    await pilot.press("ctrl+a", "ctrl+k")  # replace what the field held
    if text:
        await pilot.press(*text)


# --- metric readings ------------------------------------------------------------------

async def test_metric_reading_is_recorded_and_shown_against_the_target(
        env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        await select_item(pilot, app, 1, "inventory")
        assert "m Reading" not in key_bar(app)  # not a metric item: not offered
        await pilot.press("m")
        await settle(pilot, app)
        assert isinstance(app.screen, ProjectScreen)
        assert any("not a metric item" in n[0] and "p95" in n[0]
                   for n in app.notes)  # type: ignore[attr-defined]

        await select_item(pilot, app, 7, "p95")
        assert "m Reading" in key_bar(app)
        await pilot.press("m")
        await settle(pilot, app)
        assert isinstance(app.screen, MetricDialog)
        text = screen_text(app)
        assert "baseline 120ms" in text and "target <= 150ms" in text
        assert "no reading yet" in text
        await pilot.press(*"135ms")
        await pilot.pause()
        assert "✔ on target: 135ms meets <= 150ms" in screen_text(app)
        await pilot.press("tab", *"after failover", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ProjectScreen)
        reading = state(env).items["p95"].metrics[-1]
        assert (reading.value, reading.note, reading.by) == ("135ms", "after failover", "alice")
        assert await wait_for(pilot, lambda: "✔ on target      p95: now 135ms" in screen_text(app))
        text = screen_text(app)
        assert "latest 135ms against <= 150ms: ✔ on target" in text  # the item detail
        assert "after failover" in text

        await pilot.press("m")
        await settle(pilot, app)
        await pilot.press(*"0.2s", "enter")
        await settle(pilot, app)
        assert await wait_for(pilot, lambda: "✘ OFF TARGET     p95: now 0.2s" in screen_text(app))
        readings = len(state(env).items["p95"].metrics)
        await pilot.press("m")
        await settle(pilot, app)
        await pilot.press(*"slow")
        await pilot.pause()
        assert "is not a number" in screen_text(app)  # the dialog says why before it is sent
        await pilot.press("enter")
        await settle(pilot, app)
        assert await wait_for(pilot, lambda: any(
            "not a number" in n[0] for n in app.notes))  # type: ignore[attr-defined]
        assert len(state(env).items["p95"].metrics) == readings  # refused: not recorded


async def test_metric_dialog_needs_a_value_and_escape_cancels(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await select_item(pilot, app, 7, "p95")
        before = state(env).seq
        await pilot.press("m")
        await settle(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MetricDialog)
        assert "a reading needs a value" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, ProjectScreen)
        assert state(env).seq == before


# --- costs ----------------------------------------------------------------------------

async def test_cost_is_recorded_and_the_budget_updated(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        await select_item(pilot, app, 3, "budget-staging")
        assert "budget planned 1,200  actual 0" in screen_text(app)
        before = state(env).seq
        await pilot.press("dollar_sign")
        await settle(pilot, app)
        assert isinstance(app.screen, CostDialog)
        assert "planned 1,200   recorded so far nothing" in screen_text(app)
        await pilot.press(*"12OO", "enter")  # letters O, not zeros
        await pilot.pause()
        assert isinstance(app.screen, CostDialog)  # refused in the dialog
        assert "'12OO' is not a number" in screen_text(app)
        assert state(env).seq == before
        await type_into(pilot, "1,350.50")
        await pilot.pause()
        assert "recorded total becomes 1,350.50 of 1,200 planned: OVER by 150.50" \
            in screen_text(app)
        await pilot.press("tab", *"invoice 42", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ProjectScreen)
        assert state(env).items["budget-staging"].actual_cost == pytest.approx(1350.5)
        assert await wait_for(pilot, lambda: "actual 1,350.50" in screen_text(app))
        text = screen_text(app)
        assert "OVER by 150.50" in text  # the budget panel and the detail
        assert "budget-staging cost 1,350.50: invoice 42" in text  # the status log
        # A negative amount corrects the earlier one.
        await pilot.press("dollar_sign")
        await settle(pilot, app)
        await pilot.press(*"-200", "enter")
        await settle(pilot, app)
        assert state(env).items["budget-staging"].actual_cost == pytest.approx(1150.5)
        assert await wait_for(pilot, lambda: "within plan (49.50 left)" in screen_text(app))


def test_parse_amount() -> None:
    assert parse_amount("1350") == 1350
    assert parse_amount(" 1,350.50 ") == 1350.5
    assert parse_amount("-200") == -200
    assert parse_amount(".5") == 0.5
    for bad in ("", "abc", "12OO", "$100", "1,35", "nan", "inf", "1e400", "-", "."):
        with pytest.raises(ValueError):
            parse_amount(bad)


# --- the window -----------------------------------------------------------------------

@pytest.mark.parametrize("size", [SMALL, BIG], ids=["80x24", "160x48"])
async def test_no_window_header_then_plan_it(env: dict[str, Any], size: tuple[int, int]) -> None:
    pid = unplanned_project(env)
    app = make_app(env, project_id=pid)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        header = "\n".join(screen_text(app).splitlines()[:2])
        assert "no window planned" in header and "W to plan one" in header
        assert "margin: no window" in header
        assert "T unset" not in header and "NO FORECAST" not in header
        await pilot.press("W")
        await settle(pilot, app)
        assert isinstance(app.screen, WindowDialog)
        assert "no window planned yet" in screen_text(app)
        await pilot.press(*"2026-12-05 22:00", "tab", *"6h")
        await pilot.pause()
        assert "2026-12-05 22:00 → 12-06 04:00 UTC, 6h, starts in 2h" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ProjectScreen)
        window = state(env, pid).window
        assert window.start == datetime(2026, 12, 5, 22, 0, tzinfo=UTC)
        assert window.end == datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
        assert await wait_for(pilot, lambda: "T-2h" in screen_text(app))
        header = "\n".join(screen_text(app).splitlines()[:2])
        assert "no window planned" not in header and "ON TIME" in header
        assert "margin: no window" not in header
        if size == BIG:  # the status log says it in the same words
            assert "window planned 2026-12-05 22:00 → 12-06 04:00 UTC" in screen_text(app)


async def test_plan_the_window_from_the_cutover_view(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await pilot.press("c")
        await settle(pilot, app)
        assert isinstance(app.screen, CutoverScreen)
        assert "W Plan" not in key_bar(app)  # a window is planned: W works, not advertised
        await pilot.press("W")
        await settle(pilot, app)
        assert isinstance(app.screen, WindowDialog)
        assert "planned now 2026-12-05 22:00 → 12-06 02:00 UTC (4h)" in screen_text(app)
        await type_into(pilot, "21:30")  # HH:MM: the next one after now (20:00)
        await pilot.press("tab")
        await type_into(pilot, "23:45")
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, CutoverScreen)
        window = state(env).window
        assert window.start == datetime(2026, 12, 5, 21, 30, tzinfo=UTC)
        assert window.end == datetime(2026, 12, 5, 23, 45, tzinfo=UTC)
        assert await wait_for(pilot, lambda: "window 21:30→23:45" in screen_text(app))


async def test_window_input_errors_stay_in_the_dialog(env: dict[str, Any]) -> None:
    pid = unplanned_project(env, default_length=False)
    app = make_app(env, project_id=pid)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await pilot.press("W")
        await settle(pilot, app)
        assert "End: a length (6h) or a time (YYYY-MM-DD HH:MM or HH:MM); required" \
            in screen_text(app)
        for start, end, words in (("", "", "a start is required"),
                                  ("tomorrow", "", "'tomorrow' is not a time"),
                                  ("2026-12-05 22:00", "", "an end or a length is required"),
                                  ("2026-12-05 22:00", "2026-12-05 21:00",
                                   "must end after it starts"),
                                  ("25:00", "6h", "not a time of day")):
            await type_into(pilot, start)
            await pilot.press("tab")
            await type_into(pilot, end)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, WindowDialog), start
            assert words in screen_text(app), (start, end)
            await pilot.press("shift+tab")
        assert state(env, pid).window.start is None


def test_window_parsing() -> None:
    now = FIXED_NOW  # 20:00 UTC
    assert parse_start("22:00", now) == datetime(2026, 12, 5, 22, 0, tzinfo=UTC)
    assert parse_start("02:00", now) == datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
    assert parse_start("19:30", now) == datetime(2026, 12, 5, 19, 30, tzinfo=UTC)  # just begun
    assert parse_start("18:00", now) == datetime(2026, 12, 6, 18, 0, tzinfo=UTC)  # tomorrow
    assert parse_start("2026-12-05 23:00+01:00", now) == datetime(2026, 12, 5, 22, 0,
                                                                  tzinfo=UTC)
    start = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)
    assert parse_window_end("6h", start, now) == start + timedelta(hours=6)
    assert parse_window_end("01:30", start, now) == datetime(2026, 12, 6, 1, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_window_end("2026-12-05 21:00", start, now)


async def test_an_engine_refusal_is_shown_and_changes_nothing(env: dict[str, Any]) -> None:
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        before = state(env).seq
        # What the cost dialog would never send: the engine's own rule answers.
        app.submit(env["pid"], RecordCost(item="budget-staging", amount=float("nan"),
                                          **app.stamp_command()))
        await settle(pilot, app)
        assert any(n[1].get("title") == "Refused (nothing changed)"
                   and "finite number" in n[0] for n in app.notes)  # type: ignore[attr-defined]
        assert state(env).seq == before


# --- read-only, help, palette -----------------------------------------------------------

async def test_read_only_hides_and_refuses_the_record_keys(env: dict[str, Any]) -> None:
    from updeck.tui.dashboard.palette import UpdeckCommands

    pid = unplanned_project(env)
    app = make_app(env, project_id=pid, read_only=True)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        before = state(env, pid).seq
        header = "\n".join(screen_text(app).splitlines()[:2])
        assert "no window planned" in header and "W to plan one" not in header
        await select_item(pilot, app, 7, "p95")
        assert "m Reading" not in key_bar(app)
        for key in ("m", "dollar_sign", "W"):
            await pilot.press(key)
            await settle(pilot, app)
            assert isinstance(app.screen, ProjectScreen), key
        titles = [title for title, _, _ in UpdeckCommands(app.screen)._commands()]
        assert not [t for t in titles if t.startswith(("Record", "Plan"))]
        await pilot.press("question_mark")
        await pilot.pause()
        help_text = screen_text(app)
        assert "record a reading" not in help_text and "plan the cutover window" not in help_text
        await pilot.press("escape", "c")
        await settle(pilot, app)
        assert isinstance(app.screen, CutoverScreen)
        assert "W Plan" not in key_bar(app)
        assert "W to plan one" not in screen_text(app)
        await pilot.press("W")
        await settle(pilot, app)
        assert isinstance(app.screen, CutoverScreen)
        assert state(env, pid).seq == before


async def test_help_and_palette_list_the_record_keys(env: dict[str, Any]) -> None:
    from updeck.tui.dashboard.palette import UpdeckCommands

    pid = unplanned_project(env)
    app = make_app(env, project_id=pid)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        await select_item(pilot, app, 7, "p95")
        commands = {title: callback for title, _, callback in
                    UpdeckCommands(app.screen)._commands()}
        assert {"Record a metric reading (m)", "Record an actual cost ($)",
                "Plan the cutover window (W)"} <= set(commands)
        result = commands["Record a metric reading (m)"]()
        if result is not None:
            await result
        await settle(pilot, app)
        assert isinstance(app.screen, MetricDialog)
        await pilot.press("escape")
        await settle(pilot, app)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "record a reading of the selected metric item" in text
        assert "$" in text and "record an actual cost" in text
        assert "W (shift+w)" in text and "plan the cutover window" in text
        await pilot.press("escape", "c")
        await settle(pilot, app)
        assert "W Plan" in key_bar(app)  # no window yet: the cutover view offers W
        assert "no window planned — W to plan one" in screen_text(app)
