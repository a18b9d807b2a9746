"""The approval dialog on a project with a team (Pilot): who you are and your roles, each
role's decision and who made it, ▸ on the selected row, a question before a recorded
decision changes; the help screen shows the team."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import OptionList, Static
from updeck.models.commands import DecideApproval
from updeck.models.events import Operator
from updeck.models.project import Window, instantiate
from updeck.models.state import ItemStatus
from updeck.storage.repository import Repository
from updeck.storage.templates import find_template

from tests.support.tui import (
    BIG,
    FIXED_NOW,
    TEMPLATE,
    WINDOW_START,
    make_app,
    screen_text,
    select_item,
    settle,
)

ROLES = """roles:
  lead: {title: Change lead, members: [carol], lead: true}
  change-manager: {title: Change manager, members: [alice]}
  app-owner: {title: Application owner, members: [bob]}
  dba: {members: [alice]}
"""
ALICE = Operator("alice", "jump1", login="alice")
BOB = Operator("bob", "jump2", login="bob")
CAROL = Operator("carol", "jump3", login="carol")


@pytest.fixture
def team_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    folder = tmp_path / "templates"
    folder.mkdir()
    text = TEMPLATE.replace("roles: [dba, app-owner, change-manager]\n", ROLES)
    assert text != TEMPLATE
    (folder / "tui-test.yaml").write_text(text)
    monkeypatch.setenv("UPDECK_TEMPLATE_PATH", str(folder))
    repo = Repository(tmp_path / "db")
    loaded = find_template(folder / "tui-test.yaml")
    project = instantiate(loaded.template, "Teamed", {}, Window(WINDOW_START, None),
                          project_id="teamed")
    pid = repo.create_project(project, by=CAROL, at=FIXED_NOW - timedelta(days=1)).id
    repo.submit(pid, DecideApproval(item="go-no-go", go=True, approver="app-owner", by=BOB,
                                    at=FIXED_NOW))
    return {"db": tmp_path / "db", "pid": pid}


def _rows(app: Any) -> list[str]:
    options = app.screen.query_one("#approvers", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def _said(app: Any) -> str:
    return str(app.screen.query_one("#error", Static).render())


async def test_the_dialog_shows_who_decided_and_asks_before_a_change(team_env: dict[str, Any]) -> None:
    app = make_app(team_env, project_id=team_env["pid"], operator=ALICE)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        await select_item(pilot, app, 6, "go-no-go")
        await pilot.press("a")
        await settle(pilot, app)
        text = screen_text(app)
        assert "you: alice — roles: change-manager, dba" in text
        # alice's own pending role is chosen and marked; bob's go shows who gave it
        assert _rows(app) == ["▸ change-manager  (pending)  yours",
                              "  app-owner  (GO by bob)  held by bob"]
        await pilot.press("down")
        await settle(pilot, app)
        assert _rows(app)[1].startswith("▸ app-owner") and _rows(app)[0].startswith("  change")
        seq = Repository(team_env["db"]).load(team_env["pid"]).seq
        await pilot.press("n")  # over bob's GO: asked first, nothing written
        await settle(pilot, app)
        assert "app-owner already has GO by bob. Change it to NO-GO?" in _said(app)
        await pilot.press("n")  # confirmed, but without a reason
        await settle(pilot, app)
        assert "needs a reason" in _said(app)
        await pilot.press("escape")
        await settle(pilot, app)
        assert Repository(team_env["db"]).load(team_env["pid"]).seq == seq
        # alice decides her own role: the approval is complete
        await pilot.press("a")
        await settle(pilot, app)
        await pilot.press("g")
        await settle(pilot, app)
        state = Repository(team_env["db"]).load(team_env["pid"])
        assert state.items["go-no-go"].status is ItemStatus.DONE


async def test_a_lead_changes_a_recorded_decision_after_confirming(team_env: dict[str, Any]) -> None:
    app = make_app(team_env, project_id=team_env["pid"], operator=CAROL)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await settle(pilot, app)
        assert "you: carol — roles: lead — lead" in screen_text(app)
        app.screen.query_one("#help-body").scroll_end(animate=False)  # the team is at the end
        await settle(pilot, app)
        text = screen_text(app)
        assert "Team of Teamed" in text and "Application owner" in text
        assert "may change the team: carol" in text
        await pilot.press("escape")
        await settle(pilot, app)
        await select_item(pilot, app, 6, "go-no-go")
        await pilot.press("a")
        await settle(pilot, app)
        assert "you: carol — roles: lead — lead" in screen_text(app)
        app.screen.query_one("#approvers", OptionList).highlighted = 1
        await pilot.press("tab")
        await pilot.press(*"vendor withdrew")
        await pilot.press("enter")
        await pilot.press("n")
        await settle(pilot, app)
        assert "Change it to NO-GO?" in _said(app)
        await pilot.press("n")
        await settle(pilot, app)
        state = Repository(team_env["db"]).load(team_env["pid"])
        decision = state.items["go-no-go"].decisions[0]
        assert (decision.by, decision.go, decision.note) == ("carol", False, "vendor withdrew")
        assert decision.previous is not None and decision.previous.by == "bob"
