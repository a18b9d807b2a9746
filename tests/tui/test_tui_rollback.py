"""Pilot walk of the cutover view at 80x24 through the point of no return and a rollback:
the PONR dialog that wants the item's id typed, R refused at once after the PONR, the
rollback pane replacing "next: ready", its steps walked to finish, the clock stopping
at the close; and the header telling the same truth."""

from __future__ import annotations

from typing import Any

from updeck.models.commands import DecideApproval, ItemAction, MoveItem, OpenWindow, StartRollback
from updeck.models.rollback import rollback_data
from updeck.models.schedule import compute_schedule
from updeck.models.state import ItemStatus
from updeck.storage.repository import Repository
from updeck.tui.dashboard.screens.cutover import CutoverScreen
from updeck.tui.dashboard.screens.ponr import PonrDialog
from updeck.tui.dashboard.screens.project import ProjectScreen
from updeck.tui.dashboard.widgets.header_clock import HeaderClock

from tests.support.tui import BOB, FIXED_NOW, SMALL, Clock, make_app, screen_text, settle


def ready_for_the_ponr(env: dict[str, Any]) -> Repository:
    repo = Repository(env["db"])
    for approver in ("change-manager", "app-owner"):
        repo.submit(env["pid"], DecideApproval(item="go-no-go", go=True, approver=approver,
                                               by=BOB, at=FIXED_NOW))
    repo.submit(env["pid"], MoveItem(item="stop-apps", action=ItemAction.DONE, by=BOB, at=FIXED_NOW))
    return repo


def state_of(env: dict[str, Any]) -> Any:
    return Repository(env["db"]).load(env["pid"])


def header_text(app: Any) -> str:
    header = app.screen.query_one(HeaderClock)
    return str(header.render())


async def test_cutover_view_walks_a_rollback_at_80x24(env: dict[str, Any]) -> None:
    ready_for_the_ponr(env)
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        assert "backout" in header_text(app) and "decide" in header_text(app)  # before T
        await pilot.press("c")
        await settle(pilot, app)
        assert isinstance(app.screen, CutoverScreen)
        assert "upgrade" in screen_text(app)
        # s on the point of no return asks for its id; a wrong id does not pass it
        await pilot.press("s")
        await settle(pilot, app)
        assert isinstance(app.screen, PonrDialog)
        assert "POINT OF NO RETURN: upgrade" in screen_text(app)
        await pilot.press(*"upgrad", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, PonrDialog) and "type exactly upgrade" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot, app)
        assert state_of(env).items["upgrade"].status is ItemStatus.TODO

        await pilot.press("R", *"orders table corrupt", "enter")
        await settle(pilot, app)
        plan = state_of(env).rollback
        assert plan is not None and plan.active and [s.item for s in plan.steps] == ["stop-apps"]
        text = screen_text(app)
        assert "ROLLBACK IN PROGRESS" in text and "Rollback: steps newest first" in text
        assert "backout finishes" in text and "stop-apps" in text
        assert "Next: ready" not in text and "decide by" not in text
        await pilot.press("s")  # the backout step
        await settle(pilot, app)
        assert state_of(env).rollback.steps[0].status is ItemStatus.IN_PROGRESS
        assert "running" in screen_text(app)
        await pilot.press("d")
        await settle(pilot, app)
        assert state_of(env).rollback.steps[0].status is ItemStatus.DONE
        assert "every step is closed" in screen_text(app)
        await pilot.press("F")
        await settle(pilot, app)
        await pilot.press("y")
        await settle(pilot, app)
        plan = state_of(env).rollback
        assert plan is not None and plan.state == "finished"
        text = screen_text(app)
        assert "ROLLBACK IN PROGRESS" not in text and "rollback finished" in text
        # the dashboard and 'rollback status --json' read the same steps
        fresh = state_of(env)
        data = rollback_data(fresh, app.now(), compute_schedule(fresh, app.now()).window_end)
        assert data["state"] == "finished" and data["steps"][0]["status"] == "done"
        # open and close the window: the clock stops and shows the outcome
        for _ in range(2):
            await pilot.press("w")
            await settle(pilot, app)
            await pilot.press("y")
            await settle(pilot, app)
        assert state_of(env).closed_at is not None
        text = screen_text(app)
        assert "CLOSED" in text and "rolled back" in text
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, ProjectScreen)
        assert "CLOSED" in header_text(app) and "rolled back" in header_text(app)


async def test_point_of_no_return_typed_then_fix_forward_and_r_refused(env: dict[str, Any]) -> None:
    repo = ready_for_the_ponr(env)
    repo.submit(env["pid"], OpenWindow(by=BOB, at=FIXED_NOW))
    clock = Clock()
    app = make_app(env, project_id=env["pid"], now=clock)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        assert "PONR" in header_text(app) and "backout" in header_text(app)  # running
        await pilot.press("c")
        await settle(pilot, app)
        await pilot.press("s")
        await settle(pilot, app)
        await pilot.press(*"upgrade", "enter")
        await settle(pilot, app)
        state = state_of(env)
        assert state.items["upgrade"].status is ItemStatus.IN_PROGRESS
        assert state.point_of_no_return_passed()
        text = screen_text(app)
        assert "fix forward since 20:00" in text and "decide by" not in text
        await pilot.press("R")  # refused at once, nothing asked
        await settle(pilot, app)
        assert isinstance(app.screen, CutoverScreen)
        assert any("point of no return" in note for note, _ in app.notes)  # type: ignore[attr-defined]
        assert state_of(env).rollback is None
        await pilot.press("escape")
        await settle(pilot, app)
        header = header_text(app)
        assert "fix forward since 20:00" in header and "backout" not in header
        assert "decide" not in header


async def test_a_second_start_during_a_rollback_is_refused_on_screen(env: dict[str, Any]) -> None:
    repo = ready_for_the_ponr(env)
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        repo.submit(env["pid"], StartRollback(reason="replica lag", by=BOB, at=FIXED_NOW))
        await pilot.press("c")
        await settle(pilot, app)
        await pilot.pause(0.3)
        await settle(pilot, app)
        assert "ROLLBACK" in screen_text(app)
        assert "ROLLBACK since 20:00 by bob" in screen_text(app)
        await pilot.press("R")
        await settle(pilot, app)
        assert isinstance(app.screen, CutoverScreen)
        assert any("already in progress" in note for note, _ in app.notes)  # type: ignore[attr-defined]


async def test_a_go_that_passes_the_point_of_no_return_is_typed_first(
        env: dict[str, Any], tmp_path: Any) -> None:
    # The go/no-go itself is the point of no return: a go from the approval dialog asks for
    # the typed id as a start does; esc records nothing.
    from textual.widgets import OptionList
    from updeck.models.project import Window, instantiate
    from updeck.storage.templates import find_template

    from tests.support.tui import ALICE, BIG, TEMPLATE, WINDOW_START, select_item

    marked = TEMPLATE.replace("approvers: [change-manager, app-owner]\n",
                              "approvers: [change-manager, app-owner]\n"
                              "        point_of_no_return: true\n", 1)
    assert marked != TEMPLATE
    (tmp_path / "ponr-go.yaml").write_text(marked)
    loaded = find_template(tmp_path / "ponr-go.yaml")
    project = instantiate(loaded.template, "PONR go", {}, Window(WINDOW_START, None),
                          project_id="ponr-go", sources_sha256=loaded.sha256)
    repo = Repository(env["db"])
    pid = repo.create_project(project, by=ALICE, at=FIXED_NOW).id
    app = make_app(env, project_id=pid)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        await select_item(pilot, app, 6, "go-no-go")
        for answer in (["escape"], [*"go-no-go", "enter"]):
            await pilot.press("a")
            await settle(pilot, app)
            app.screen.query_one(OptionList).highlighted = 0  # change-manager
            await pilot.press("g")
            await settle(pilot, app)
            assert isinstance(app.screen, PonrDialog)
            await pilot.press(*answer)
            await settle(pilot, app)
        decisions = repo.load(pid).items["go-no-go"].decisions
        assert [(d.approver, d.go, d.by) for d in decisions] == [("change-manager", True, "alice")]
        assert repo.load(pid).point_of_no_return_passed()
        assert any("go not recorded" in note for note, _ in app.notes)  # type: ignore[attr-defined]
