"""The ``updeck`` command line through its installed entry point, in subprocesses:
a whole project walked from template to export, refusals with their exit codes and an
unchanged log, templates, check-log, help and garbage input."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import BROKEN_TEMPLATE, Cli

SUBCOMMANDS = ("open", "demo", "templates", "validate", "import", "new", "list", "status", "item",
               "approve", "note", "log", "gate", "window", "verify", "export", "check-log",
               "locate", "serve", "rollback")





@pytest.fixture
def project(cli: Cli) -> str:
    out = cli.ok("new", "mini", "--name", "Orders DB", "--var", "ticket=CHG-42",
                 "--window", "2030-01-05 22:00")
    return out.strip()


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "expected an error message on stderr"
    assert lines[-1].startswith("updeck: error: "), err
    assert "Traceback" not in err
    return lines[-1]


# --- help, version, usage --------------------------------------------------------------

def test_version_and_top_level_help(cli: Cli) -> None:
    # The installed entry point, as a user runs it (most tests call main() in-process).
    assert re.match(r"updeck \d+\.\d+", cli.ok("--version", process=True))
    out = cli.ok("--help", process=True)
    for name in SUBCOMMANDS:
        assert name in out
    assert "exit codes" in out


def test_every_subcommand_answers_help(capsys: pytest.CaptureFixture[str]) -> None:
    # In-process for speed: --help exits while parsing, before any work.
    from updeck.tui.cli import main

    for name in SUBCOMMANDS:
        with pytest.raises(SystemExit) as stop:
            main([name, "--help"])
        assert stop.value.code == 0, name
        out = capsys.readouterr().out
        assert f"usage: updeck {name}" in out, name
        assert "examples:" in out, name
        # Only the demo's --db says it is the demo's (a shared option's help was once
        # edited in place, and every command's --help then spoke of the demo).
        assert ("put the demo here" in " ".join(out.split())) == (name == "demo"), name


def test_usage_errors_exit_2_in_one_line(cli: Cli) -> None:
    for argv in (["frobnicate"], ["new", "mini"], ["item", "p", "x", "explode"],
                 ["approve", "p", "x"]):
        result = cli(*argv)
        assert result.code == 2, (argv, str(result))
        line = one_error_line(result.err)
        assert "--help" in line


# --- the whole walk -----------------------------------------------------------------------

def test_new_list_status(cli: Cli, project: str) -> None:
    assert re.fullmatch(r"orders-db-[0-9a-f]{6}", project)
    rows = json.loads(cli.ok("list", "--json"))
    assert [r["id"] for r in rows] == [project]
    assert rows[0]["template"] == "mini"
    assert rows[0]["current_phase"] == "assess"
    assert "Orders DB" in cli.ok("list")

    status = json.loads(cli.ok("status", "orders", "--json"))  # name prefix
    assert status["project"]["id"] == project
    assert [p["id"] for p in status["phases"]] == ["assess", "requirements", "test", "execute", "monitor"]
    assert status["window"]["planned_start"] == "2030-01-05T22:00:00+00:00"
    assert status["window"]["planned_end"] == "2030-01-06T02:00:00+00:00"  # template's 4h
    assert status["window"]["state"] == "planned"
    assert status["backout"]["point_of_no_return_passed"] is False
    assert "inventory" in status["ready"]
    text = cli.ok("status", project[:9])  # id prefix
    for word in ("Window", "Forecast", "Backout", "Phases", "Assess the current system", "T-"):
        assert word in text
    # Variables were substituted at creation.
    assert "CHG-42" in cli.ok("export", project, "--format", "md")


def test_new_refusals(cli: Cli) -> None:
    result = cli("new", "mini", "--name", "X")
    assert result.code == 2 and "ticket" in one_error_line(result.err)
    result = cli("new", "nope", "--name", "X", "--var", "ticket=1")
    assert result.code == 2 and "nope" in one_error_line(result.err)
    result = cli("new", "mini", "--name", "X", "--var", "ticket=1", "--window", "tomorrowish")
    assert result.code == 2 and "tomorrowish" in one_error_line(result.err)
    result = cli("new", "mini", "--name", "X", "--var", "ticket=1",
                 "--window", "2030-01-05T22:00/2030-01-05T21:00")
    assert result.code == 2 and "end after" in one_error_line(result.err)
    broken = cli.root / "broken.yaml"
    broken.write_text(BROKEN_TEMPLATE)
    result = cli("new", str(broken), "--name", "X")
    assert result.code == 1, str(result)
    assert f"{broken}:9:" in result.err  # every error, FILE:LINE:COL
    one_error_line(result.err)
    assert json.loads(cli.ok("list", "--json")) == []
    # Window forms: START/END with a space, a duration end, relative start.
    pid = cli.ok("new", "mini", "--name", "W", "--var", "ticket=1",
                 "--window", "2030-01-05 22:00/2h30m").strip()
    window = json.loads(cli.ok("status", pid, "--json"))["window"]
    assert window["planned_end"] == "2030-01-06T00:30:00+00:00"
    pid = cli.ok("new", "mini", "--name", "R", "--var", "ticket=1", "--window", "+2h").strip()
    assert json.loads(cli.ok("status", pid, "--json"))["window"]["t"].startswith("T-")


def test_items_through_every_state_and_refusals(cli: Cli, project: str) -> None:
    p = project
    before = cli.log_bytes(p)
    # Dependency not done: refused by the rules, exit 1, log unchanged.
    result = cli("item", p, "rehearse", "start")
    assert result.code == 1, str(result)
    assert "waiting for inventory" in one_error_line(result.err)
    # Missing reason.
    for action in ("skip", "block"):
        result = cli("item", p, "inventory", action)
        assert result.code == 1 and "reason" in one_error_line(result.err)
    # Unknown item, unknown project: bad input, exit 2.
    result = cli("item", p, "no-such-item", "start")
    assert result.code == 2 and "no-such-item" in one_error_line(result.err)
    result = cli("item", p, "invntory", "start")
    assert result.code == 2 and "did you mean inventory?" in one_error_line(result.err)
    result = cli("item", "zzz", "inventory", "start")
    assert result.code == 2 and "zzz" in one_error_line(result.err)
    assert cli.log_bytes(p) == before

    out = cli.ok("item", p, "inventory", "start")
    assert "item_started" in out and "inventory" in out and "tester" in out
    cli.ok("item", p, "inventory", "block", "--note", "waiting for storage team")
    cli.ok("item", p, "inventory", "unblock")
    cli.ok("item", p, "inventory", "fail", "--note", "disk full")
    cli.ok("item", p, "inventory", "reopen", "--note", "disk cleaned")
    cli.ok("item", p, "inventory", "start")
    result = cli("item", p, "inventory", "done", "--note", "listed 12 databases")
    assert result.code == 0 and "now ready: rehearse" in result.err
    # A refused move after progress: still exit 1 and nothing written.
    before = cli.log_bytes(p)
    result = cli("item", p, "inventory", "start")
    assert result.code == 1 and "it is done" in one_error_line(result.err)
    assert cli.log_bytes(p) == before
    cli.ok("item", p, "optional-check", "skip", "--note", "not needed on this host")

    status = json.loads(cli.ok("status", p, "--json"))
    assess = status["phases"][0]
    assert assess["gate"] == "passed" and assess["skipped"] == 1 and assess["done"] == 1
    entries = json.loads(cli.ok("log", p, "--json"))
    kinds = [e["kind"] for e in entries]
    assert kinds[:8] == ["project_created", "item_started", "item_blocked", "item_unblocked",
                         "item_failed", "item_reopened", "item_started", "item_done"]
    for entry in entries:
        assert set(entry) >= {"at", "by", "kind", "item", "text"}
    assert entries[2]["text"] == "blocked: waiting for storage team"
    assert entries[-1]["text"] == "skipped: not needed on this host"


def test_ambiguous_prefix_lists_candidates(cli: Cli) -> None:
    a = cli.ok("new", "other", "--name", "Payments A").strip()
    b = cli.ok("new", "other", "--name", "Payments B").strip()
    result = cli("status", "payments")
    assert result.code == 2
    line = one_error_line(result.err)
    assert a in line and b in line
    assert cli("status", "payments a").code == 0  # exact name wins


def test_approvals_gates_window_and_notes(cli: Cli, project: str) -> None:
    p = project
    for item in ("inventory", "req-no-loss"):
        cli.ok("item", p, item, "done")
    cli.ok("item", p, "rehearse", "done")
    # Not an approver: refused.
    result = cli("approve", p, "go-no-go", "--go")
    assert result.code == 1 and "not an approver" in one_error_line(result.err)
    result = cli("gate", p, "go-no-go")
    assert result.code == 3 and "PENDING" in result.out
    out = cli.ok("--as", "alice", "approve", p, "go-no-go", "--go", "--role", "change-manager",
                 "--note", "rehearsal clean")
    assert "alice" in out and "GO from change-manager" in out
    gate = json.loads(cli("gate", p, "go-no-go", "--json").out)
    assert gate["gate"] == "pending"
    assert [a["decision"] for a in gate["approvals"]] == ["go", None]
    cli.ok("approve", p, "go-no-go", "--go", "--role", "app-owner", "--as", "bob")  # --as after
    result = cli("gate", p, "go-no-go")
    assert result.code == 0, str(result)
    assert "GO" in result.out and "alice" in result.out and "bob" in result.out
    # A no-go holds the gate: reopen, then no-go.
    cli.ok("item", p, "go-no-go", "reopen", "--note", "new information")
    cli.ok("--as", "carol", "approve", p, "go-no-go", "--no-go", "--role", "app-owner",
           "--note", "backup not verified")
    result = cli("gate", p, "go-no-go")
    assert result.code == 1 and "NO-GO" in result.out
    result = cli("gate", p, "go-no-go", "--wait", "--timeout", "5s")  # decided: no waiting
    assert result.code == 1

    cli.ok("window", p, "set", "2030-02-01T20:00", "2030-02-02T01:00")
    result = cli("window", p, "close")
    assert result.code == 1 and "not open" in one_error_line(result.err)
    cli.ok("window", p, "open")
    result = cli("window", p, "open")
    assert result.code == 1 and "already open" in one_error_line(result.err)
    cli.ok("window", p, "close")
    result = cli("window", p, "set")
    assert result.code == 2
    window = json.loads(cli.ok("status", p, "--json"))["window"]
    assert window["state"] == "closed" and window["planned_start"] == "2030-02-01T20:00:00+00:00"

    # Escape sequences in a note never reach the reader's terminal; lines stay lines.
    cli.ok("note", p, "two\nlines \x1b]0;retitled\x07 \x1b[31mred")
    shown = next(line for line in cli.ok("log", p).splitlines() if "retitled" in line)
    assert "\x1b" not in shown and "\\x1b[31mred" in shown and "two ⏎ lines" in shown
    cli.ok("note", p, "vendor call moved to 23:00")
    cli.ok("note", p, "slow but fine", "--item", "rehearse")

    result = cli("note", p, "  ")
    assert result.code == 1
    lines = cli.ok("log", p).splitlines()
    assert "note: vendor call moved to 23:00" in lines[-3]
    assert "rehearse" in lines[-2]
    assert lines[-1].startswith("chain head #")
    assert cli.ok("log", p, "--since", "2h").count("\n") == len(lines)
    assert cli.ok("log", p, "--since", "2099-01-01") == ""


def test_verify_pass_fail_and_confirmation(cli: Cli, project: str) -> None:
    p = project
    before = cli.log_bytes(p)
    result = cli("verify", p, "inventory")  # stdin is not a terminal, no --yes
    assert result.code == 2 and "--yes" in one_error_line(result.err)
    assert "echo inventory ok" in result.err  # the command was shown
    assert cli.log_bytes(p) == before
    result = cli("verify", p, "inventory", "--yes")
    assert result.code == 0, str(result)
    assert "inventory ok" in result.out  # streamed
    result = cli("verify", p, "rehearse", "--yes")
    assert result.code == 1, str(result)
    assert "2 checks failed" in result.out and "exit 3" in result.err
    result = cli("verify", p, "req-no-loss", "--yes")
    assert result.code == 2 and "no verify command" in one_error_line(result.err)
    entries = [e for e in json.loads(cli.ok("log", p, "--json")) if e["kind"] == "verification_recorded"]
    assert [e["payload"]["exit_code"] for e in entries] == [0, 3]
    assert entries[0]["payload"]["output_tail"] == "inventory ok\n"
    assert entries[1]["payload"]["command"].startswith("echo")
    assert entries[0]["payload"]["host"] and entries[0]["by"] == "tester"
    assert entries[0]["payload"]["duration"] >= 0


def test_verify_timeout_records_and_fails(cli: Cli, tmp_path: Path) -> None:
    (cli.templates / "slow.yaml").write_text(
        "format: 1\nid: slow\nname: Slow\nphases:\n  test:\n    items:\n"
        "      - id: wait\n        title: Wait for ever\n        verify: echo started; sleep 30\n")
    p = cli.ok("new", "slow", "--name", "Slow").strip()
    result = cli("verify", p, "wait", "--yes", "--timeout", "1s")
    assert result.code == 1, str(result)
    entry = json.loads(cli.ok("log", p, "--json"))[-1]
    assert entry["payload"]["exit_code"] == 124
    assert "timed out" in entry["payload"]["output_tail"]
    assert "started" in entry["payload"]["output_tail"]


def test_exports_in_all_formats(cli: Cli, project: str, tmp_path: Path) -> None:
    p = project
    cli.ok("item", p, "inventory", "done", "--note", "all <b>listed</b>")
    cli.ok("item", p, "optional-check", "skip", "--note", "not needed | not here")
    cli.ok("note", p, "<script>alert('x')</script> =cmd|' /C calc'!A0")
    cli.ok("--as", "alice", "approve", p, "go-no-go", "--no-go", "--role", "change-manager",
           "--note", "too early")

    data = json.loads(cli.ok("export", p, "--format", "json"))
    assert data["project"]["id"] == p
    assert data["log_chain"]["intact"] is True
    assert {s["item"]: s["reason"] for s in data["skipped"]} == {"optional-check": "not needed | not here"}
    assert data["failed"][0]["item"] == "go-no-go"
    assert data["approvals"][0]["decisions"][0]["by"] == "alice"
    assert data["budget"]["planned"] == 100
    assert data["traceability"][0]["gap"] is True
    assert len(data["log"]) == data["log_chain"]["events"]

    rows = list(csv.DictReader(io.StringIO(cli.ok("export", p, "--format", "csv"))))
    assert [r["id"] for r in rows] == ["inventory", "optional-check", "req-no-loss", "rehearse",
                                       "go-no-go", "stop-apps", "upgrade", "latency"]
    assert rows[0]["status"] == "done" and rows[1]["reason"] == "not needed | not here"

    md = cli.ok("export", p, "--format", "md")
    for heading in ("# Upgrade report: Orders DB", "## Approvals", "## Skipped items",
                    "## Budget", "## Requirements traceability", "## Status log"):
        assert heading in md
    assert "not needed \\| not here" in md

    target = tmp_path / "report.html"
    result = cli("export", p, "--format", "html", "-o", str(target))
    assert result.code == 0 and result.out == ""
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    lowered = page.lower()
    assert "<link" not in lowered and "@import" not in lowered and "<script" not in lowered
    assert not re.search(r"(src|href)\s*=", lowered)
    assert "http://" not in lowered and "https://" not in lowered
    assert "&lt;script&gt;" in page and "all &lt;b&gt;listed&lt;/b&gt;" in page

    result = cli("export", p, "--format", "md", "-o", str(tmp_path / "missing" / "r.md"))
    assert result.code == 2 and "missing" in one_error_line(result.err)


def test_check_log_intact_and_tampered(cli: Cli, project: str) -> None:
    p = project
    cli.ok("item", p, "inventory", "start")
    cli.ok("item", p, "inventory", "done", "--note", "original words")
    out = cli.ok("check-log", p)
    assert "intact" in out and "3 events" in out
    segment = cli.log_files(p)[0]
    doc = json.loads(segment.read_text())
    doc["events"]["3"]["payload"]["reason"] = "rewritten words"
    segment.write_text(json.dumps(doc))
    result = cli("check-log", p)
    assert result.code == 1, str(result)
    line = one_error_line(result.err)
    assert "#3" in line and "NOT intact" in line
    # A damaged project is reported, and never written to.
    tampered = segment.read_bytes()
    result = cli("item", p, "optional-check", "skip", "--note", "x")
    assert result.code == 1 and "refused" in one_error_line(result.err)
    assert segment.read_bytes() == tampered
    assert cli("status", p).code == 1
    result = cli("list")
    assert result.code == 0 and p in result.err and "check-log" in result.err


def test_templates_validate_import_locate(cli: Cli) -> None:
    broken = cli.templates / "broken.yaml"
    broken.write_text(BROKEN_TEMPLATE)
    rows = {r["id"]: r for r in json.loads(cli.ok("templates", "--json"))}
    assert rows["mini"]["ok"] and rows["mini"]["version"] == "1.2.0"
    assert not rows["broken"]["ok"] and rows["broken"]["errors"]
    text = cli.ok("templates")
    assert "BROKEN" in text and "mini" in text

    assert cli.ok("validate", str(cli.templates / "mini.yaml")).strip().endswith(": ok")
    result = cli("validate", str(cli.templates / "mini.yaml"), str(broken))
    assert result.code == 1
    errors = [line for line in result.out.splitlines() if line.startswith(str(broken))]
    assert len(errors) >= 2
    assert all(re.match(re.escape(str(broken)) + r":\d+:\d+: ", e) for e in errors)
    result = cli("validate", str(cli.root / "nope.yaml"))
    assert result.code == 2

    runbook = cli.root / "runbook.md"
    runbook.write_text("# Cache upgrade\n\n## Pre-checks\n- [ ] Check the cache hit rate\n\n"
                       "| a | b |\n|---|---|\n| 1 | 2 |\n\n## Upgrade\n1. Stop the cache\n2. Upgrade it\n")
    out_file = cli.root / "cache.yaml"
    result = cli("import", str(runbook), "--id", "cache-up", "-o", str(out_file))
    assert result.code == 0, str(result)
    assert "skipped" in result.err and "table" in result.err
    assert cli.ok("validate", str(out_file)).strip().endswith("ok")
    assert "id: cache-up" in cli.ok("import", str(runbook), "--id", "cache-up")
    assert cli("import", str(cli.root / "none.md")).code == 2

    info = json.loads(cli.ok("locate", "--json"))
    assert info["data"] == str(cli.db)
    assert info["templates"][0] == {"path": str(cli.templates), "exists": True}
    text = cli.ok("locate")
    assert "data folder" in text and "demo folder" in text and str(cli.templates) in text


GARBAGE = (
    ["status"],
    ["status", "../../etc"],
    ["item", "{p}", "inventory", "done", "--note", "\udcff"],
    ["new", "mini", "--name", "", "--var", "ticket=1"],
    ["new", "mini", "--name", "x", "--var", "=oops"],
    ["new", "mini", "--name", "x", "--var", "ticket=1", "--window", "2030-13-45T99:99"],
    ["new", "/dev/null", "--name", "x"],
    ["window", "{p}", "set", "yesterday"],
    ["window", "{p}", "open", "2030-01-01"],
    ["gate", "{p}", "go-no-go", "--timeout", "forever"],
    ["gate", "{p}", "nothing-here"],
    ["verify", "{p}", "inventory", "--yes", "--timeout", "0s"],
    ["log", "{p}", "--since", "the dawn of time"],
    ["export", "{p}", "--format", "md", "-o", "/proc/nope/x"],
    ["validate", "/"],
    ["import", "/"],
    ["--db", "/dev/null/sub", "new", "mini", "--name", "x", "--var", "ticket=1"],
    ["check-log", "nope"],
)


def test_no_traceback_on_garbage(cli: Cli, project: str) -> None:
    for argv in GARBAGE:
        args = [a.replace("{p}", project) for a in argv]
        result = cli(*args)
        assert result.code in (1, 2), (args, str(result))
        assert "Traceback" not in result.err and "Traceback" not in result.out, (args, str(result))
        one_error_line(result.err)


def test_dashboard_needs_a_terminal(cli: Cli, project: str) -> None:
    for argv in ([], ["open", project, "--read-only"]):
        result = cli(*argv)
        assert result.code == 2 and "terminal" in one_error_line(result.err), argv


@pytest.mark.parametrize("argv", [["status", "{p}"], ["item", "{p}", "inventory", "start"],
                                  ["list"]])
def test_no_textual_import(cli: Cli, project: str, argv: list[str]) -> None:
    import subprocess

    args = [a.replace("{p}", project) for a in argv]
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "updeck", *args],
                          capture_output=True, text=True, env=cli.env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip()
                for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "updeck.tui.cli.main" in imported  # the measurement worked
    top = {name.split(".")[0] for name in imported}
    assert "textual" not in top and "rich" not in top
    assert not [name for name in imported if name.startswith("updeck.tui.dashboard")]


def test_metric_readings_and_costs(cli: Cli, project: str) -> None:
    before = cli.log_bytes(project)
    refused = cli("metric", project, "inventory", "3")
    assert refused.code == 1 and "not a metric item" in refused.err
    bad = cli("cost", project, "inventory", "a lot")
    assert bad.code == 2 and "is not a number" in bad.err
    assert cli("metric", project, "nowhere", "3").code == 2
    assert cli.log_bytes(project) == before  # refusals change nothing

    cli.ok("metric", project, "latency", "170ms", "--note", "first hour")
    cli.ok("metric", project, "latency", "140ms")
    cli.ok("cost", project, "inventory", "80", "--note", "invoice 1")
    cli.ok("cost", project, "inventory", "1,200.50")
    report = json.loads(cli.ok("export", project, "--format", "json"))
    [latency] = report["metrics"]
    assert (latency["latest"], latency["met"], latency["verdict"]) == ("140ms", True, "met")
    assert [r["value"] for r in latency["readings"]] == ["170ms", "140ms"]
    [line] = [b for b in report["budget"]["items"] if b["item"] == "inventory"]
    assert (line["planned"], line["actual"]) == (100, 1280.5)


def test_gate_wait_whose_reader_went_away_is_not_a_go(cli: Cli, project: str) -> None:
    proc = subprocess.Popen(cli.argv("gate", project, "go-no-go", "--wait", "--timeout", "20s"),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=cli.env)
    assert proc.stdout is not None
    proc.stdout.close()  # like `updeck gate ... | true`
    assert proc.wait(timeout=90) == 3  # still pending, never 0 ("go")
