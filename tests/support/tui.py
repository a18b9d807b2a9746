"""Shared helpers for the dashboard tests (no tests here): a small template folder, a
data folder with one project, a fixed clock, reading the screen as text, and the Pilot
helpers (an app wired to a temp folder, waiting for workers and conditions)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from updeck.models.events import Operator
from updeck.models.project import Window, instantiate
from updeck.storage.repository import Repository
from updeck.tui.dashboard.app import UpdeckApp
from updeck.tui.dashboard.widgets.checklist import Checklist

FIXED_NOW = datetime(2026, 12, 5, 20, 0, 0, tzinfo=UTC)
WINDOW_START = datetime(2026, 12, 5, 22, 0, 0, tzinfo=UTC)
ALICE = Operator("alice", "jump1", "")
BOB = Operator("bob", "jump1", "10.0.0.7")

TEMPLATE = """\
format: 1
id: tui-test
name: TUI test upgrade
version: 1.0.0
description: A small plan for the dashboard tests.
variables:
  - name: cluster
    prompt: Cluster name
    default: pg-main
roles: [dba, app-owner, change-manager]
window:
  duration: 4h
phases:
  assess:
    items:
      - id: inventory
        title: List databases on {{cluster}}
        owner: dba
        estimate: 30m
        verify: echo inventory-ok
      - id: markup-trap
        title: "[bold red]x[/] literal title"
        owner: ops
        estimate: 10m
      - id: limits
        title: Record disk and memory limits
        owner: ops
        estimate: 15m
        required: false
  requirements:
    items:
      - id: req-no-loss
        title: No committed transaction is lost
        priority: must
        goal: Keep orders intact
  plan:
    items:
      - id: budget-staging
        title: Staging hardware for the rehearsal
        cost: 1200
        due: T-14d
  test:
    items:
      - id: rehearse
        title: Rehearse the upgrade on a restored backup
        kind: check
        covers: [req-no-loss]
        depends_on: [inventory]
        estimate: 2h
  communicate:
    items:
      - id: announce
        title: Announce the maintenance window
        kind: comms
        audience: all users
        due: T-7d
  execute:
    items:
      - id: go-no-go
        title: Go/no-go decision
        kind: approval
        approvers: [change-manager, app-owner]
      - id: stop-apps
        title: Stop application writers
        owner: app-owner
        depends_on: [go-no-go]
        estimate: 10m
        rollback: Start the writers again
        rollback_estimate: 5m
      - id: upgrade
        title: Run pg_upgrade to the new version
        owner: dba
        depends_on: [stop-apps]
        estimate: 40m
        point_of_no_return: true
  monitor:
    items:
      - id: p95
        title: p95 latency back to baseline
        kind: metric
        baseline: 120ms
        target: "<= 150ms"
"""

BROKEN = """\
format: 1
id: broken-one
name: Broken
phases:
  assess:
    items:
      - id: a
        title: A
        estimate: "90"
"""


def write_templates(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tui-test.yaml").write_text(TEMPLATE)
    (folder / "broken.yaml").write_text(BROKEN)
    return folder


def make_project(repo: Any, templates: Path, name: str = "CRM cutover",
                 project_id: str = "crm-cutover") -> str:
    from updeck.storage.templates import find_template

    loaded = find_template(templates / "tui-test.yaml")
    project = instantiate(loaded.template, name, {}, Window(WINDOW_START, None),
                          project_id=project_id, sources_sha256=loaded.sha256)
    return repo.create_project(project, by=ALICE, at=FIXED_NOW - timedelta(days=1)).id


def screen_text(app: Any) -> str:
    """What the terminal shows, as plain text lines."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


class Clock:
    """A settable clock for the app's ``now``."""

    def __init__(self, moment: datetime = FIXED_NOW) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


# --- Pilot helpers ----------------------------------------------------------------

SMALL = (80, 24)
BIG = (160, 48)


def tui_env(tmp_path: Path, monkeypatch: Any) -> dict[str, Any]:
    """A template folder on the search path and a data folder with one project."""
    templates = write_templates(tmp_path / "templates")
    monkeypatch.setenv("UPDECK_TEMPLATE_PATH", str(templates))
    db = tmp_path / "db"
    repo = Repository(db)
    pid = make_project(repo, templates)
    return {"db": db, "repo": repo, "pid": pid, "templates": templates}


def make_app(env: dict[str, Any], **kw: Any) -> UpdeckApp:
    kw.setdefault("operator", ALICE)
    kw.setdefault("now", Clock())
    kw.setdefault("poll_interval", 0.1)
    app = UpdeckApp(Repository(env["db"]), **kw)
    app.notes = []  # type: ignore[attr-defined]
    original = app.notify

    def notify(message: str, **options: Any) -> None:
        app.notes.append((str(message), options))  # type: ignore[attr-defined]
        original(message, **options)

    app.notify = notify  # type: ignore[method-assign]
    return app


async def settle(pilot: Any, app: UpdeckApp, seconds: float = 0.05) -> None:
    """Let workers finish and their messages be handled."""
    for _ in range(3):
        await pilot.pause(seconds)
        await app.workers.wait_for_complete()
        await pilot.pause()


PATIENCE = 30.0  # seconds: the least any wait_for waits before it gives up


async def wait_for(pilot: Any, condition: Any, timeout: float = PATIENCE) -> bool:
    """Wait until ``condition()`` holds (checked every 50 ms); False if it still does not
    after ``timeout`` seconds, never less than PATIENCE: on a loaded machine workers are
    slow, and tests never assert on wall time. Returns as soon as the condition holds."""
    deadline = asyncio.get_running_loop().time() + max(timeout, PATIENCE)
    while asyncio.get_running_loop().time() < deadline:
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


async def select_item(pilot: Any, app: UpdeckApp, phase: int, item: str) -> None:
    await pilot.press(str(phase))
    await pilot.pause()
    checklist = app.screen.query_one(Checklist)
    assert checklist.select(item), f"{item} is not in phase {phase}"
    await pilot.pause()
