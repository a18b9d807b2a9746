"""The CLI with several processes at once: ``gate --wait`` released by another process,
``log --follow`` seeing another process's writes, and the demo."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.support.cli import Cli


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """Every updeck here is a real process: a follower or waiter and the other operators
    who change the project under it, as on the night."""
    return Cli(tmp_path, process=True)


@pytest.fixture
def ready_gate(cli: Cli) -> str:
    """A project whose go/no-go is ready to be decided."""
    p = cli.ok("new", "mini", "--name", "Live", "--var", "ticket=1").strip()
    for item in ("inventory", "req-no-loss", "rehearse"):
        cli.ok("item", p, item, "done")
    return p


def lines_of(proc: subprocess.Popen[str], errors: list[str] | None = None) -> queue.Queue[str]:
    """The process's stdout lines as they come; its stderr is drained too (into ``errors``)
    so that a process writing to a full stderr pipe can never block and look hung."""
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            found.put(line)

    def drain() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if errors is not None:
                errors.append(line)

    threading.Thread(target=pump, daemon=True).start()
    if proc.stderr is not None:
        threading.Thread(target=drain, daemon=True).start()
    return found


def next_line(found: queue.Queue[str], timeout: float = 60.0) -> str:
    try:
        return found.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"no output within {timeout}s") from None


def test_gate_wait_is_released_by_another_process(cli: Cli, ready_gate: str) -> None:
    p = ready_gate
    # A long timeout: under load the two approvals may take a while; the waiter must be
    # released by the second go (exit 0), never by its timeout (exit 3). No wall-time check.
    waiter = cli.popen("gate", p, "go-no-go", "--wait", "--timeout", "10m")
    try:
        time.sleep(0.8)
        assert waiter.poll() is None, "gate --wait returned while still pending"
        cli.ok("--as", "alice", "approve", p, "go-no-go", "--go", "--role", "change-manager")
        time.sleep(0.8)
        assert waiter.poll() is None, "one go of two released the gate"
        cli.ok("--as", "bob", "approve", p, "go-no-go", "--go", "--role", "app-owner")
        out, err = waiter.communicate(timeout=120)
    finally:
        if waiter.poll() is None:
            waiter.kill()
    assert waiter.returncode == 0, err
    assert "GO" in out and "alice" in out and "bob" in out


def test_gate_wait_no_go_and_timeout(cli: Cli, ready_gate: str) -> None:
    p = ready_gate
    started = time.monotonic()
    result = cli("gate", p, "go-no-go", "--wait", "--timeout", "1s")
    assert result.code == 3, str(result)
    assert time.monotonic() - started > 0.9  # it waited for its timeout (no upper bound: load)
    assert "PENDING" in result.out and "timed out" in result.err and "Traceback" not in result.err

    waiter = cli.popen("gate", p, "go-no-go", "--wait", "--json")
    try:
        time.sleep(0.5)
        cli.ok("--as", "carol", "approve", p, "go-no-go", "--no-go", "--role", "app-owner",
               "--note", "backup not verified")
        out, err = waiter.communicate(timeout=60)
    finally:
        if waiter.poll() is None:
            waiter.kill()
    assert waiter.returncode == 1, err
    data = json.loads(out)
    assert data["gate"] == "no-go" and "backup not verified" in data["reason"]


def test_log_follow_sees_another_process(cli: Cli) -> None:
    p = cli.ok("new", "mini", "--name", "Follow", "--var", "ticket=1").strip()
    # Ctrl-C as from a terminal: a test run started in the background (nohup, a CI job,
    # `cmd &` in a script) hands its children SIGINT ignored, and a Python started with
    # SIGINT ignored never raises KeyboardInterrupt (as Unix intends for nohup'd jobs).
    follower = cli.popen("log", p, "--follow", "--json",
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    errors: list[str] = []
    try:
        found = lines_of(follower, errors)
        first = json.loads(next_line(found))
        assert first["kind"] == "project_created" and first["seq"] == 1
        cli.ok("--as", "dana", "note", p, "disk at 80%, watching it")
        entry = json.loads(next_line(found))
        assert entry["kind"] == "note" and entry["by"] == "dana"
        assert entry["text"] == "note: disk at 80%, watching it"
        cli.ok("item", p, "inventory", "start")
        entry = json.loads(next_line(found))
        assert (entry["kind"], entry["item"], entry["seq"]) == ("item_started", "inventory", 3)
        follower.send_signal(signal.SIGINT)
        follower.wait(timeout=60)
    finally:
        if follower.poll() is None:
            follower.kill()
    assert follower.returncode == 0
    assert "Traceback" not in "".join(errors)


def test_log_follow_human_text_and_closed_pipe(cli: Cli) -> None:
    p = cli.ok("new", "mini", "--name", "Pipe", "--var", "ticket=1").strip()
    follower = cli.popen("log", p, "--follow")
    try:
        found = lines_of(follower)
        assert "project_created" in next_line(found)
        cli.ok("note", p, "hello from elsewhere")
        line = next_line(found)
        assert "note: hello from elsewhere" in line and "tester" in line
    finally:
        follower.kill()
        follower.wait()
    # A reader that goes away ends the follower quietly (like `updeck log -f | head -1`).
    shell = subprocess.run(f"'{cli.exe}' log {p} --follow | head -n 1", shell=True, env=cli.env,
                           capture_output=True, text=True, timeout=60)
    assert "project_created" in shell.stdout
    assert "Traceback" not in shell.stderr and "Broken pipe" not in shell.stderr


def test_demo_without_a_terminal_prints_its_status(cli: Cli, tmp_path: Path) -> None:
    demo_db = tmp_path / "demo-db"
    result = cli("--db", str(demo_db), "demo")
    assert result.code == 0, str(result)
    assert "CRM upgrade (demo)" in result.out and "Phases" in result.out
    assert "crm-demo" in result.err
    assert cli.ok("--db", str(demo_db), "check-log", "crm-demo").startswith("crm-demo: status log intact")
    log = json.loads(cli.ok("--db", str(demo_db), "log", "crm-demo", "--json"))
    assert len({e["by"] for e in log}) >= 3
    again = cli("--db", str(demo_db), "demo", "--reset")
    assert again.code == 0, str(again)
