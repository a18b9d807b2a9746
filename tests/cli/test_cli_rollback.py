"""The rollback runbook and the point of no return through the installed ``updeck``:
PONR refused without --confirm-ponr and then no rollback; on another project a rollback
that freezes forward work, walked step by step to finish; a cancelled one; status, the
report and the log agree."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import Cli

CUTOVER_TEMPLATE = """\
format: 1
id: cutover
name: Cutover plan
window:
  duration: 4h
phases:
  execute:
    items:
      - id: prep
        title: Prepare the switch
        estimate: 10m
        rollback: Undo the preparation
        rollback_estimate: 5m
      - id: switch
        title: Switch the traffic
        depends_on: [prep]
        estimate: 10m
        rollback: Switch the traffic back
        rollback_estimate: 10m
      - id: migrate
        title: Migrate the schema
        depends_on: [switch]
        estimate: 30m
        point_of_no_return: true
  monitor:
    items:
      - id: watch
        title: Watch the error rate
        estimate: 1h
"""


@pytest.fixture
def cutover(cli: Cli) -> Cli:
    (cli.templates / "cutover.yaml").write_text(CUTOVER_TEMPLATE)
    return cli


def new_project(cli: Cli, name: str) -> str:
    p = cli.ok("new", "cutover", "--name", name, "--window", "now/4h").strip()
    for item in ("prep", "switch"):
        cli.ok("item", p, item, "done")
    return p


def last_error(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines and "Traceback" not in text, text
    return lines[-1]


def test_point_of_no_return_needs_the_flag_and_ends_the_rollback(cutover: Cli) -> None:
    cli = cutover
    p = new_project(cli, "Ponr")
    before = cli.log_bytes(p)
    result = cli("item", p, "migrate", "start")
    assert result.code == 1, str(result)
    error = last_error(result.err)
    assert "--confirm-ponr" in error and "migrate" in error
    assert "2 steps, about 15m" in error  # the backout time that would be lost
    assert cli.log_bytes(p) == before
    cli.ok("item", p, "migrate", "start", "--confirm-ponr")
    result = cli("rollback", p, "start", "--note", "too slow")
    assert result.code == 1 and "point of no return" in last_error(result.err)
    status = json.loads(cli.ok("status", p, "--json"))
    assert status["backout"]["point_of_no_return_passed"] is True
    assert status["backout"]["decide_by"] is None
    assert status["cutover"]["state"] == "fix_forward"
    assert "fix forward since" in cli.ok("status", p)
    rollback = json.loads(cli.ok("rollback", p, "status", "--json"))
    assert rollback["state"] == "none" and rollback["can_start"] is False
    assert "point of no return" in rollback["refused"]


def test_rollback_freezes_forward_work_and_is_walked_to_finish(cutover: Cli) -> None:
    cli = cutover
    p = new_project(cli, "Walk")
    assert cli("rollback", p, "start").code == 2  # --note is required
    assert cli("rollback", p, "start", "--note", " ").code == 1
    out = cli.ok("rollback", p, "start", "--note", "errors on checkout")
    assert "rollback_started" in out and "next step: switch" in out
    for argv in (("item", p, "migrate", "start", "--confirm-ponr"), ("item", p, "watch", "start"),
                 ("item", p, "watch", "done")):
        result = cli(*argv)
        assert result.code == 1, str(result)
        assert "rollback in progress since" in last_error(result.err)
        assert "by tester" in last_error(result.err)

    data = json.loads(cli.ok("rollback", p, "status", "--json"))
    assert data["state"] == "in_progress"
    assert [(s["item"], s["status"], s["estimate"]) for s in data["steps"]] == [
        ("switch", "todo", 600), ("prep", "todo", 300)]
    assert set(data["steps"][0]) >= {"item", "title", "status", "estimate", "started_at",
                                     "finished_at"}
    assert data["finish_forecast"] is not None and data["remaining"] == 900

    result = cli("rollback", p, "step", "prep", "start")
    assert result.code == 1 and "switch" in last_error(result.err)  # newest first
    assert cli("rollback", p, "step", "nowhere", "start").code == 2
    cli.ok("rollback", p, "step", "switch", "start")
    cli.ok("rollback", p, "step", "switch", "done")
    result = cli("rollback", p, "finish")
    assert result.code == 1 and "prep (todo)" in last_error(result.err)
    assert cli("rollback", p, "step", "prep", "skip").code == 1  # a skip needs a reason
    cli.ok("rollback", p, "step", "prep", "skip", "--note", "prep left nothing behind")
    cli.ok("rollback", p, "finish", "--note", "old path serving")
    text = cli.ok("rollback", p, "status")
    assert "finished" in text and "switch" in text and "prep left nothing behind" in text

    data = json.loads(cli.ok("rollback", p, "status", "--json"))
    assert data["state"] == "finished" and data["finish_forecast"] is None
    assert [s["status"] for s in data["steps"]] == ["done", "skipped"]
    assert data["steps"][0]["started_at"] and data["steps"][0]["finished_at"]
    report = json.loads(cli.ok("export", p, "--format", "json"))
    assert report["summary"]["rollback"]["state"] == "finished"
    assert report["summary"]["rollback"]["steps"] == data["steps"]
    markdown = cli.ok("export", p, "--format", "md")
    assert "## Rollback" in markdown and "Switch the traffic back" in markdown
    kinds = [e["kind"] for e in json.loads(cli.ok("log", p, "--json"))]
    assert kinds[-5:] == ["rollback_started", "rollback_step_started", "rollback_step_done",
                          "rollback_step_skipped", "rollback_finished"]
    assert cli("check-log", p).code == 0
    cli.ok("window", p, "open")
    cli.ok("window", p, "close")
    status = json.loads(cli.ok("status", p, "--json"))
    assert status["cutover"]["state"] == "closed" and status["cutover"]["outcome"] == "rolled back"


def test_cancel_returns_to_forward_work(cutover: Cli) -> None:
    cli = cutover
    p = new_project(cli, "Cancel")
    cli.ok("rollback", p, "start", "--note", "false alarm?")
    assert cli("item", p, "watch", "start").code == 1
    assert cli("rollback", p, "cancel").code == 2  # --note is required
    cli.ok("rollback", p, "cancel", "--note", "the alarm was a test")
    assert json.loads(cli.ok("rollback", p, "status", "--json"))["state"] == "cancelled"
    result = cli("rollback", p, "step", "switch", "start")
    assert result.code == 1 and "cancelled" in last_error(result.err)
    cli.ok("item", p, "watch", "start")
    cli.ok("item", p, "migrate", "start", "--confirm-ponr")
