"""Issue 13 in the dashboard: the verify dialog shows the whole command as it will run,
and text from templates reaches the screen only through the one sanitiser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from updeck.models.project import Window, instantiate
from updeck.storage.repository import Repository
from updeck.storage.templates import find_template
from updeck.tui.dashboard.screens.verify import VerifyDialog

from tests.support.tui import (
    ALICE,
    BIG,
    FIXED_NOW,
    TEMPLATE,
    WINDOW_START,
    make_app,
    make_project,
    screen_text,
    settle,
    wait_for,
)


def project_with_verify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, verify_yaml: str,
                        details: str = "") -> dict[str, Any]:
    text = TEMPLATE.replace("        verify: echo inventory-ok\n", verify_yaml + details)
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "tui-test.yaml").write_text(text)
    monkeypatch.setenv("UPDECK_TEMPLATE_PATH", str(folder))
    loaded = find_template(folder / "tui-test.yaml")
    project = instantiate(loaded.template, "Hostile", {}, Window(WINDOW_START, None),
                          project_id="hostile", sources_sha256=loaded.sha256)
    db = tmp_path / "db"
    repo = Repository(db)
    pid = repo.create_project(project, by=ALICE, at=FIXED_NOW).id
    return {"db": db, "repo": repo, "pid": pid, "templates": folder}


async def test_escape_sequences_in_a_verify_command_are_shown_not_hidden(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 13: showed as "$ df -h / ; : ''" and the touch ran unseen.
    verify = "        verify: \"df -h / ; : '\\e]9999;' ; touch x ; : '\\e\\\\'\"\n"
    details = "        details: \"item \\e]0;pwned\\a text\\e[2J\"\n"
    env = project_with_verify(tmp_path, monkeypatch, verify, details)
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        shown = screen_text(app)
        assert "item \\x1b]0;pwned\\x07 text\\x1b[2J" in shown  # the item pane
        await pilot.press("v")
        await settle(pilot, app)
        assert isinstance(app.screen, VerifyDialog)
        shown = screen_text(app)
        assert "1  df -h / ; : '\\x1b]9999;' ; touch x ; : '\\x1b\\'" in shown
        assert "jump1 as alice" in shown
        assert "\x1b" not in "".join(app.screen.lines)


async def test_a_long_verify_command_must_be_scrolled_to_its_end_before_yes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = "".join(f"          echo line-{n}\n" for n in range(1, 36))
    env = project_with_verify(tmp_path, monkeypatch, "        verify: |\n" + lines)
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        await pilot.press("v")
        await settle(pilot, app)
        dialog = app.screen
        assert isinstance(dialog, VerifyDialog)
        assert len(dialog.lines) == 35 and dialog.lines[-1] == "35  echo line-35"
        assert "Scroll to line 35" in screen_text(app)
        await pilot.press("y")
        await settle(pilot, app)
        assert app.screen is dialog  # not yet: line 35 was never on screen
        assert not Repository(env["db"]).load(env["pid"]).items["inventory"].verifications
        await pilot.press("end")
        await settle(pilot, app)
        assert "35  echo line-35" in screen_text(app)
        assert "Run it now?" in screen_text(app)
        await pilot.press("y")
        assert await wait_for(pilot, lambda: bool(
            Repository(env["db"]).load(env["pid"]).items["inventory"].verifications), 10.0)
        check = Repository(env["db"]).load(env["pid"]).items["inventory"].verifications[-1]
        assert "line-35" in check.output_tail


async def test_only_project_never_shows_the_home_screen(env: dict[str, Any]) -> None:
    from updeck.tui.dashboard.screens.home import HomeScreen
    from updeck.tui.dashboard.screens.project import ProjectScreen

    make_project(env["repo"], env["templates"], name="Secret other", project_id="other")
    app = make_app(env, project_id=env["pid"], read_only=True, only_project=True)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        for key in ("escape", "escape", "escape", "q"):
            await pilot.press(key)
            await settle(pilot, app)
            assert isinstance(app.screen, ProjectScreen)
            assert not any(isinstance(s, HomeScreen) for s in app.screen_stack)
            assert "Secret other" not in screen_text(app)


async def test_a_cut_log_is_said_on_opening_and_writes_are_refused(env: dict[str, Any]) -> None:
    import json

    from updeck.models.commands import AddNote

    repo = Repository(env["db"])
    repo.submit(env["pid"], AddNote(text="seen by alice", by=ALICE, at=FIXED_NOW))
    segment = sorted((env["db"] / "projects" / env["pid"]).glob("log-*.json"))[-1]
    doc = json.loads(segment.read_text())
    del doc["events"][max(doc["events"], key=int)]
    segment.write_text(json.dumps(doc))
    app = make_app(env, project_id=env["pid"])
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot, app)
        assert await wait_for(pilot, lambda: any(
            "cut or rewritten since you saw event #2" in text for text, _ in app.notes), 5.0)
        await pilot.press("n")
        await settle(pilot, app)
        await pilot.press(*"over the gap", "enter")
        assert await wait_for(pilot, lambda: any(
            "writes are refused" in text for text, _ in app.notes), 5.0)
    assert Repository(env["db"]).load(env["pid"]).seq == 1
