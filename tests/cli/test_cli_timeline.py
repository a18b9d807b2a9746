"""``updeck timeline``: the timeline as text, grouped by workstream when items name one; and
what a simple command imports (the lazy handler table keeps the dashboard, Textual and the
YAML reader out of ``updeck list`` and ``updeck --version``)."""

from __future__ import annotations

import subprocess
import sys

from tests.support.cli import Cli
from tests.support.streams import STREAMS_TEMPLATE


def test_timeline_groups_rows_by_stream_and_keeps_the_critical_path(cli: Cli) -> None:
    (cli.templates / "streams.yaml").write_text(STREAMS_TEMPLATE)
    project = cli.ok("new", "streams", "--name", "Teams", "--window", "2030-01-05 22:00").strip()
    out = cli.ok("timeline", project, "--width", "80")
    lines = out.splitlines()
    assert lines[0] == f"Timeline: Teams ({project})"
    assert lines[1].startswith("execute phase, 5 items")
    named = [line.split()[1] for line in lines[5:]]
    assert named == ["dba", "dump-db", "restore-db", "app", "stop-app", "start-app", "(no",
                     "announce"]
    row = {line.split()[1]: line for line in lines[5:] if not line.startswith("──")}
    assert row["restore-db"].startswith("◆") and row["announce"].startswith("◆")
    assert not row["stop-app"].startswith("◆")
    assert all(len(line) <= 80 for line in lines[2:])


def test_timeline_without_streams_and_its_usage_errors(cli: Cli) -> None:
    project = cli.ok("new", "mini", "--name", "Orders DB", "--var", "ticket=CHG-42",
                     "--window", "2030-01-05 22:00").strip()
    out = cli.ok("timeline", project, "--width", "100")
    assert "execute phase, " in out and "\n── " not in out
    test_phase = cli.ok("timeline", project, "--phase", "test", "--width", "100")
    assert "test phase, 1 items" in test_phase and "rehearse" in test_phase
    bad = cli("timeline", project, "--phase", "deploy")
    assert bad.code == 2 and "no phase 'deploy'" in bad.err


MODULES_AFTER = """
import sys
from updeck.tui.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("\\n".join(sorted(sys.modules)), file=sys.stderr)
"""


def test_simple_commands_import_neither_the_dashboard_nor_yaml(cli: Cli) -> None:
    cli.ok("new", "mini", "--name", "Orders DB", "--var", "ticket=CHG-42")
    for args in (["list"], ["--version"]):
        proc = subprocess.run([sys.executable, "-c", MODULES_AFTER, *args],
                              capture_output=True, text=True, env=cli.env, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        imported = set(proc.stderr.split())
        assert "updeck.tui.cli.main" in imported  # the measurement worked
        assert not {name.split(".")[0] for name in imported} & {"textual", "rich", "yaml"}, args
        commands = {name for name in imported if name.startswith("updeck.tui.cli.cmd_")}
        assert commands == ({"updeck.tui.cli.cmd_projects"} if args == ["list"] else set())
        assert "updeck.storage.templates" not in imported


def test_every_subcommand_has_a_handler_that_imports() -> None:
    import argparse

    from updeck.tui.cli.handlers import HANDLERS, handler
    from updeck.tui.cli.parser import build_parser

    subs = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subs.choices) | {""} == set(HANDLERS)
    assert all(callable(handler(name)) for name in HANDLERS)


def test_the_start_up_gc_setting_ends_with_the_command() -> None:
    import contextlib
    import gc
    import io

    import pytest
    from updeck.tui.cli import main
    from updeck.tui.common import startup_gc

    before = gc.get_threshold()
    startup_gc.loading()
    startup_gc.loading()  # idempotent
    assert gc.get_threshold()[0] == startup_gc.STARTUP_THRESHOLD
    startup_gc.loaded()
    startup_gc.loaded()
    assert gc.get_threshold() == before
    with contextlib.redirect_stdout(io.StringIO()), pytest.raises(SystemExit):
        main(["--version"])
    assert gc.get_threshold() == before
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["open", "no-such-project", "--db", "/nonexistent/updeck"]) != 0
    assert gc.get_threshold() == before
