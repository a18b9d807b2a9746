"""Random command lines never reach the user as a traceback or an "internal error":
every outcome is a known exit code with a one-line message (in-process, for speed)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.cli import MINI_TEMPLATE

# Commands that block (follow, wait), run things (verify) or open screens/servers are left out.
COMMANDS = ("templates", "validate", "import", "new", "list", "status", "item", "approve", "note",
            "log", "gate", "window", "export", "check-log", "locate", "open")
TOKENS = ("mini", "P", "inventory", "rehearse", "go-no-go", "latency", "start", "done", "fail",
          "skip", "block", "reopen", "unblock", "--note", "--go", "--no-go", "--role", "app-owner",
          "--json", "--since", "--format", "md", "html", "csv", "json", "--name", "--var",
          "ticket=1", "--window", "2030-01-05 22:00", "+2h", "set", "open", "close", "-o",
          "--item", "--id", "--as", "--db", "1h", "x=y", "", " ", "-", "--", "../..")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "mini.yaml").write_text(MINI_TEMPLATE)
    monkeypatch.setenv("UPDECK_DB", str(tmp_path / "data"))
    monkeypatch.setenv("UPDECK_TEMPLATE_PATH", str(templates))
    monkeypatch.setenv("UPDECK_OPERATOR", "fuzzer")
    monkeypatch.chdir(tmp_path)
    from updeck.tui.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["new", "mini", "--name", "Fuzz", "--var", "ticket=1"]) == 0
    return out.getvalue().strip()


def run(argv: list[str]) -> tuple[int, str]:
    from updeck.tui.cli import main

    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as stop:
            code = int(stop.code or 0)
    return code, err.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(COMMANDS),
       words=st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=12)), max_size=6))
def test_random_command_lines(env: str, command: str, words: list[str]) -> None:
    argv = [command, *(env if w == "P" else w for w in words)]
    if "-o" in argv:
        return  # would write files wherever the random path points
    code, err = run(argv)
    assert code in (0, 1, 2, 3), (argv, code, err)
    assert "Traceback" not in err, (argv, err)
    assert "internal error" not in err, (argv, err)
    if code in (1, 2) and command not in ("validate",):
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines and lines[-1].startswith("updeck: error: "), (argv, err)
