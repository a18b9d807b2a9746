"""The dashboard in a real terminal: tmux at 80x24, keys in, screen text out; a second
dashboard in another tmux window sees the change within two seconds; a killed terminal
leaves no process behind."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from updeck.storage.repository import Repository

from tests.support.terminal import Tmux, tmux_path
from tests.support.tui import make_project, write_templates

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(tmux_path() is None, reason="tmux is not installed; "
                       "the real-terminal test needs it (apt-get install tmux)"),
]

UPDECK = Path(sys.executable).parent / "updeck"
PHASES = ("1 Assess", "2 Reqs", "3 Plan", "4 Test", "5 Comms", "6 Execute", "7 Monitor")





@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, dict[str, str]]:
    if not UPDECK.exists():
        pytest.skip("the updeck entry point is not installed in this environment")
    templates = write_templates(tmp_path / "templates")
    db = tmp_path / "db"
    pid = make_project(Repository(db), templates)
    env = {
        "UPDECK_TEMPLATE_PATH": str(templates),
        "XDG_DATA_HOME": os.environ.get("XDG_DATA_HOME", str(tmp_path / "data")),
        "XDG_CONFIG_HOME": os.environ.get("XDG_CONFIG_HOME", str(tmp_path / "config")),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }
    return db, pid, env


def test_dashboard_in_tmux_marks_done_and_a_second_one_sees_it(
        tmux: Tmux, project: tuple[Path, str, dict[str, str]]) -> None:
    db, pid, env = project
    command = f"{UPDECK} --db {db} open {pid}"
    tmux.start("alice", command, width=80, height=24, env={**env, "UPDECK_OPERATOR": "alice"})
    tmux.start("bob", command, width=80, height=24, env={**env, "UPDECK_OPERATOR": "bob"})
    first = tmux.wait_for("alice", "7 Monitor", timeout=20, what="the phase bar")
    for phase in PHASES:
        assert phase in first
    tmux.wait_for("bob", "▸ ○ todo    inventory", timeout=20)
    assert "▸ ○ todo    inventory" in first  # a ready item under the cursor
    tmux.send("alice", "d")
    tmux.wait_for("alice", "✔ done    inventory", timeout=5, what="inventory done")
    assert Repository(db).load(pid).items["inventory"].status.value == "done"
    seen = tmux.wait_for("bob", "✔ done    inventory")  # how fast: bench/, not here
    assert "alice" in seen  # the log line (and the notification) name the operator
    tmux.send("alice", "q")  # back to home
    tmux.wait_for("alice", "CRM cutover", timeout=5)
    tmux.send("alice", "q")  # quit
    deadline = time.monotonic() + 10
    while not tmux.pane_dead("alice") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert tmux.pane_dead("alice"), "q on the home screen did not quit"


def test_dashboard_exits_when_its_terminal_goes_away(
        tmux: Tmux, project: tuple[Path, str, dict[str, str]]) -> None:
    db, pid, env = project
    tmux.start("gone", f"{UPDECK} --db {db} open {pid}", env=env)
    tmux.wait_for("gone", "7 Monitor", timeout=20)
    shell = tmux.pane_pid("gone")
    tmux.kill()  # the terminal (and its pty) disappear, as with a dropped SSH session
    # It checks its terminal every 2 s; the bound is generous for a loaded machine (what
    # matters is that it ends by itself, not how fast). A zombie has ended too.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            os.kill(shell, 0)
            state = Path(f"/proc/{shell}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (ProcessLookupError, FileNotFoundError):
            return
        if state == "Z":
            return
        time.sleep(0.2)
    pytest.fail(f"updeck (pid {shell}) still runs 60 s after its terminal went away; "
                f"where it is:\n{where_it_is(shell)}")


def where_it_is(pid: int) -> str:
    """The stuck process's Python stacks (py-spy, when installed) and its kernel state, so a
    failure here says why instead of only that."""
    import shutil
    import subprocess

    said = []
    if shutil.which("py-spy"):
        dump = subprocess.run(["py-spy", "dump", "--pid", str(pid)], capture_output=True,
                              text=True, timeout=30, check=False)
        said.append(dump.stdout + dump.stderr)
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        said.append("\n".join(line for line in status.splitlines()
                              if line.startswith(("State", "PPid", "SigCgt", "SigIgn", "SigBlk"))))
        said.append("wchan: " + Path(f"/proc/{pid}/wchan").read_text())
    except OSError as exc:
        said.append(repr(exc))
    return "\n".join(said)


def _selected(screen: str) -> str:
    return next((line for line in screen.splitlines() if line.startswith("│▸")), "")


def test_updeck_demo_in_tmux(tmux: Tmux, tmp_path: Path) -> None:
    """The issue's own walk-through: `updeck demo` at 80x24, `d` on a ready item, and a
    second dashboard on the demo folder sees it within two seconds."""
    if not UPDECK.exists():
        pytest.skip("the updeck entry point is not installed in this environment")
    data = tmp_path / "xdg-data"
    env = {"XDG_DATA_HOME": str(data), "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
           "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    tmux.start("demo", f"{UPDECK} demo", env={**env, "UPDECK_OPERATOR": "dora"})
    first = tmux.wait_for("demo", "7 Monitor", timeout=30, what="the phase bar")
    for phase in PHASES:
        assert phase in first
    demo_db = data / "updeck" / "demo"
    tmux.start("watch", f"{UPDECK} --db {demo_db} open crm-demo",
               env={**env, "UPDECK_OPERATOR": "walt"})
    tmux.wait_for("watch", "7 Monitor", timeout=30)

    tmux.send("demo", "5")  # communicate: the demo leaves ready items there
    tmux.wait_for("demo", "5 Communicate", timeout=5)
    screen = tmux.screen("demo")
    for _ in range(8):  # move to the first ready item: todo, not waiting (⧗)
        line = _selected(screen)
        if "○ todo" in line and "⧗" not in line:
            break
        tmux.send("demo", "j")
        screen = tmux.screen("demo")
    line = _selected(screen)
    assert "○ todo" in line and "⧗" not in line, screen
    item_id = line.split()[3]
    tmux.send("demo", "d")
    tmux.wait_for("demo", f"✔ done    {item_id}", timeout=5, what=f"{item_id} done")
    tmux.send("watch", "5")
    seen = tmux.wait_for("watch", f"✔ done    {item_id}")  # how fast: bench/, not here
    assert "dora" in seen


def _flat(screen: str) -> str:
    """The toast's words in one line (it wraps its message over several lines, on the
    right half of the screen, beside the checklist's own border)."""
    lines = [line.split("▌", 1)[1] for line in screen.splitlines() if "▌" in line]
    # The toast sits in the lower half now, over the status log: drop the log's border and
    # scrollbar glyphs that show through beside it.
    frame = str.maketrans(dict.fromkeys("│╮╯─▁▂▃▄▅▆▇█", " "))
    return " ".join(" ".join(line.translate(frame) for line in lines).split())


def test_a_rollback_started_in_one_dashboard_freezes_forward_work_in_the_other(
        tmux: Tmux, project: tuple[Path, str, dict[str, str]]) -> None:
    from updeck.models.commands import DecideApproval, ItemAction, MoveItem
    from updeck.models.events import Operator, utc_now

    db, pid, env = project
    repo = Repository(db)
    carol = Operator("carol")
    for approver in ("change-manager", "app-owner"):
        repo.submit(pid, DecideApproval(item="go-no-go", go=True, approver=approver, by=carol,
                                        at=utc_now()))
    repo.submit(pid, MoveItem(item="stop-apps", action=ItemAction.DONE, by=carol, at=utc_now()))
    command = f"{UPDECK} --db {db} open {pid}"
    tmux.start("alice", command, width=80, height=24, env={**env, "UPDECK_OPERATOR": "alice"})
    tmux.start("bob", command, width=80, height=24, env={**env, "UPDECK_OPERATOR": "bob"})
    tmux.wait_for("alice", "7 Monitor", timeout=20, what="the phase bar")
    tmux.wait_for("bob", "7 Monitor", timeout=20, what="the phase bar")
    tmux.send("bob", "7")  # the monitor phase: p95 is ready forward work
    tmux.wait_for("bob", "p95", timeout=5)

    tmux.send("alice", "c")
    tmux.wait_for("alice", "Go/no-go and backout", timeout=5, what="the cutover view")
    tmux.send("alice", "R")
    tmux.wait_for("alice", "START THE ROLLBACK", timeout=5, what="the rollback dialog")
    tmux.send("alice", "-l", "replica lag")
    tmux.send("alice", "Enter")
    tmux.wait_for("alice", "ROLLBACK IN PROGRESS", timeout=5)
    tmux.wait_for("alice", "Rollback: steps newest first", timeout=5, what="the rollback pane")
    assert Repository(db).load(pid).rollback_active()

    tmux.send("bob", "s")  # start p95: forward work, refused with the reason on screen
    seen = tmux.wait_for("bob", lambda s: "rollback in progress since" in _flat(s), timeout=10,
                         what="the refusal")
    assert "by alice" in _flat(seen)
    assert Repository(db).load(pid).items["p95"].status.value == "todo"
