"""Issue 17 in a real terminal: tmux at 80x24 while another writer makes 20 changes; the
header stays readable on every capture (no toast over it), the notice bar counts them,
and z zooms the log."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from updeck.models.commands import AddNote
from updeck.models.events import Operator, utc_now
from updeck.storage.repository import Repository

from tests.support.terminal import Tmux, tmux_path
from tests.support.tui import make_project, write_templates

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(tmux_path() is None, reason="tmux is not installed; "
                       "the real-terminal test needs it (apt-get install tmux)"),
]

UPDECK = Path(sys.executable).parent / "updeck"
PRIYA = Operator("priya", "jump2")


def header_readable(screen: str) -> bool:
    lines = screen.splitlines()
    return (len(lines) >= 4 and "UTC" in lines[0] and "window" in lines[0] and "planned" in lines[0]
            and "fcst" in lines[1] and "backout" in lines[1] and "7 Monitor" in lines[2])


def test_header_stays_readable_while_another_writer_makes_20_changes(
        tmux: Tmux, tmp_path: Path) -> None:
    if not UPDECK.exists():
        pytest.skip("the updeck entry point is not installed in this environment")
    templates = write_templates(tmp_path / "templates")
    db = tmp_path / "db"
    repo = Repository(db)
    pid = make_project(repo, templates)
    env = {"UPDECK_TEMPLATE_PATH": str(templates), "UPDECK_OPERATOR": "alice",
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "TERM": "xterm-256color", "LANG": "C.UTF-8", "PATH": os.environ.get("PATH", "")}
    tmux.start("night", f"{UPDECK} --db {db} open {pid}", width=80, height=24, env=env)
    tmux.wait_for("night", header_readable, timeout=30, what="the header")
    for n in range(1, 21):
        result = repo.submit(pid, AddNote(text=f"step {n} checked", by=PRIYA, at=utc_now()))
        assert isinstance(result, list), result
        time.sleep(0.15)  # pacing of the writer, not a synchronisation
        screen = tmux.screen("night")
        assert header_readable(screen), f"after change {n} the header was:\n{screen}"
    tmux.wait_for("night", "20 changes by priya, last: note: step 20 checked", timeout=10,
                  what="the notice bar counting priya's changes")
    screen = tmux.screen("night")
    assert header_readable(screen)
    tmux.send("night", "l")
    tmux.send("night", "z")
    zoomed = tmux.wait_for("night", lambda s: s.count("step ") >= 15, timeout=10,
                           what="the zoomed log")
    assert header_readable(zoomed)
