"""updeck over a real SSH session: two operators, a dropped connection, 16 colours, NO_COLOR.

A private sshd on 127.0.0.1 (tests/sshd.py) and a private tmux server (tests/terminal.py);
the dashboard runs on the "server" side of each SSH login, as on a jump host.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import UPDECK, new_project, updeck
from tests.support.sshd import SshServer, missing_tools
from tests.support.terminal import Tmux

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))]

TEMPLATE = """\
format: 1
id: ssh-drill
name: SSH drill
window:
  duration: 2h
phases:
  assess:
    items:
      - id: inventory
        title: Take the inventory of the jump host
        estimate: 10m
      - id: check-backups
        title: Check last night's backups
        depends_on: [inventory]
        estimate: 5m
  execute:
    items:
      - id: switch-over
        title: Switch traffic to the new cluster
        depends_on: [check-backups]
        estimate: 20m
"""
PHASE_WORDS = ("Assess", "Requirements", "Plan", "Test", "Communicate", "Execute", "Monitor")



@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SshServer]:
    server = SshServer(tmp_path / "sshd")
    server.start()
    yield server
    server.stop()





@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, str]:
    return new_project(tmp_path, TEMPLATE, "SSH drill")


def remote(db: Path, project_id: str, operator: str, *, env: str = "") -> str:
    """The command the SSH session runs on the jump host."""
    command = (f"{UPDECK} --db {shlex.quote(str(db))} --as {operator} "
               f"open {shlex.quote(project_id)}")
    return f"{env} exec {command}".strip() if env else f"exec {command}"


def shows_all_phases(screen: str) -> bool:
    return all(word[:3] in screen for word in PHASE_WORDS)


def updeck_pids(operator: str) -> list[int]:
    """The dashboards running on the server side for ``operator`` (not tmux, not ssh)."""
    found = subprocess.run(["pgrep", "-f", "--", f"python[0-9.]* .*updeck .*--as {operator} open"],
                           capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def item_line(screen: str, words: str) -> str:
    return next((line for line in screen.splitlines() if words in line), "")


def test_two_operators_and_a_dropped_connection(sshd: SshServer, tmux: Tmux,
                                                project: tuple[Path, str]) -> None:
    db, project_id = project
    term = {"TERM": "xterm-256color"}
    tmux.start("alice", f"env -u COLORTERM TERM=xterm-256color "
               f"{sshd.client_command(remote(db, project_id, 'alice'))}", env=term)
    tmux.start("bob", f"env -u COLORTERM TERM=xterm-256color "
               f"{sshd.client_command(remote(db, project_id, 'bob'))}", env=term)
    for name in ("alice", "bob"):
        tmux.wait_for(name, shows_all_phases, timeout=20, what="the seven phases")
        tmux.wait_for(name, "Take the inventory")

    tmux.send("alice", "d")
    tmux.wait_for("alice", lambda s: "done" in item_line(s, "Take the inventory")
                  or "✔" in item_line(s, "Take the inventory"), what="inventory done")
    screen = tmux.wait_for("bob", lambda s: ("done" in item_line(s, "Take the inventory")
                                            or "✔" in item_line(s, "Take the inventory"))
                           and "alice" in s, what="alice's change, with her name")
    assert "alice" in screen

    # Drop alice's connection: kill her ssh client. Her updeck must not outlive it.
    assert updeck_pids("alice"), "alice's updeck is not running on the server side"
    subprocess.run(["pkill", "-9", "-f", "^ssh -tt .*--as alice open"], check=False)
    deadline = time.monotonic() + 10
    while updeck_pids("alice") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not updeck_pids("alice"), "updeck kept running after its SSH session dropped"

    intact = updeck(db, "check-log", project_id)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    log = updeck(db, "log", project_id, "--json")
    assert log.returncode == 0, log.stderr
    done = [e for e in json.loads(log.stdout) if e["kind"] == "item_done"]
    assert [(e["item"], e["by"], e["ssh_client"]) for e in done] == [
        ("inventory", "alice", "127.0.0.1")]
    # bob's dashboard is unaffected and still live
    tmux.wait_for("bob", "Take the inventory")


@pytest.mark.parametrize("term, extra_env", [("xterm", ""), ("xterm-256color", "NO_COLOR=1")],
                         ids=["16-colours", "no-color"])
def test_readable_without_colour(sshd: SshServer, tmux: Tmux, project: tuple[Path, str],
                                 term: str, extra_env: str) -> None:
    db, project_id = project
    tmux.start("carol", f"env -u COLORTERM TERM={term} "
               f"{sshd.client_command(remote(db, project_id, 'carol', env=extra_env))}",
               env={"TERM": term})
    tmux.wait_for("carol", shows_all_phases, timeout=20, what="the seven phases")
    tmux.wait_for("carol", "Take the inventory")
    tmux.send("carol", "d")
    screen = tmux.wait_for("carol", lambda s: "done" in item_line(s, "Take the inventory")
                           or "✔" in item_line(s, "Take the inventory"), what="inventory done")
    # Every item's state is told by a symbol or a word, not by colour alone.
    for title in ("Take the inventory", "Check last night"):
        line = item_line(screen, title)
        assert any(mark in line for mark in ("✔", "○", "▶", "✘", "■", "⤼", "done", "todo")), line
