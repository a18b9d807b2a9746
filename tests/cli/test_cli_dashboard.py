"""The subcommands that open the dashboard hand it the right project, operator and
read-only flag (in-process, with a stand-in for updeck.tui.dashboard.app)."""

from __future__ import annotations

import contextlib
import io
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import MINI_TEMPLATE


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "mini.yaml").write_text(MINI_TEMPLATE)
    monkeypatch.setenv("UPDECK_DB", str(tmp_path / "data"))
    monkeypatch.setenv("UPDECK_TEMPLATE_PATH", str(templates))
    monkeypatch.setenv("UPDECK_OPERATOR", "owner")
    seen: list[dict[str, Any]] = []

    def run_dashboard(repo: Any, *, project_id: str | None = None, read_only: bool = False,
                      operator: Any = None, start_state: Any = None) -> int:
        seen.append({"repo": repo, "project_id": project_id, "read_only": read_only,
                     "operator": operator, "start_state": start_state})
        return 0

    fake = types.ModuleType("updeck.tui.dashboard.app")
    fake.run_dashboard = run_dashboard  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "updeck.tui.dashboard.app", fake)
    import updeck.tui.cli.cmd_dashboard

    monkeypatch.setattr(updeck.tui.cli.cmd_dashboard, "has_screen", lambda: True)
    return seen


def run(*argv: str) -> tuple[int, str]:
    from updeck.tui.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(argv))
    return code, out.getvalue()


def test_home_open_and_read_only(calls: list[dict[str, Any]], tmp_path: Path) -> None:
    code, out = run("new", "mini", "--name", "Screens", "--var", "ticket=1")
    assert code == 0
    project_id = out.strip()
    assert run()[0] == 0
    assert run("--read-only")[0] == 0
    assert run("open", "scr")[0] == 0
    assert run("--as", "alice", "open", project_id, "--read-only")[0] == 0
    assert run("--read-only", "open", project_id)[0] == 0
    got = [(c["project_id"], c["read_only"], c["operator"].user) for c in calls]
    assert got == [(None, False, "owner"), (None, True, "owner"), (project_id, False, "owner"),
                   (project_id, True, "alice"), (project_id, True, "owner")]
    assert all(Path(c["repo"].data_dir) == tmp_path / "data" for c in calls)
    # open hands over the state it read, so the first screen is drawn from it at once
    assert [c["start_state"].id if c["start_state"] else None for c in calls] == [
        None, None, project_id, project_id, project_id]
    assert run("open", "nothing-like-it")[0] == 2
    assert len(calls) == 5


def test_demo_opens_the_dashboard_on_the_demo(calls: list[dict[str, Any]], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    demo = tmp_path / "demo"
    assert run("--db", str(demo), "demo", "--read-only")[0] == 0
    assert [(c["project_id"], c["read_only"]) for c in calls] == [("crm-demo", True)]
    assert calls[0]["start_state"].id == "crm-demo"
    assert Path(calls[0]["repo"].data_dir) == demo


def test_demo_uses_its_own_folder_not_updeck_db(calls: list[dict[str, Any]], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """As 'updeck demo --help' says: UPDECK_DB names the team's real folder, the demo stays out."""
    from updeck.storage.locations import demo_dir

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert run("demo")[0] == 0
    assert Path(calls[0]["repo"].data_dir) == demo_dir()
    assert str(demo_dir()).startswith(str(tmp_path / "xdg"))
    assert not (tmp_path / "data" / "projects" / "crm-demo").exists()
