"""Helpers for the CLI tests: ``updeck`` against a temporary data folder and a temporary
template folder, run in-process through ``updeck.tui.cli.main(argv)`` (fast) or, for the
tests that need a real process (follow, wait, signals, the installed entry point, what
gets imported), as the installed entry point in a subprocess."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

MINI_TEMPLATE = """\
format: 1
id: mini
name: Mini upgrade
version: 1.2.0
description: A small plan for the CLI tests on {{host}}.
variables:
  - name: host
    prompt: Database host
    default: db1
  - name: ticket
    required: true
roles: [dba, change-manager, app-owner]
window:
  duration: 4h
phases:
  assess:
    items:
      - id: inventory
        title: List databases on {{host}}
        owner: dba
        estimate: 30m
        cost: 100
        verify: echo inventory ok
      - id: optional-check
        title: Look at the optional thing
        required: false
  requirements:
    items:
      - id: req-no-loss
        title: No committed transaction is lost
        priority: must
        goal: Keep orders intact
  test:
    items:
      - id: rehearse
        title: Rehearse the upgrade
        depends_on: [inventory]
        covers: [req-no-loss]
        estimate: 1h
        verify: echo "2 checks failed" >&2; exit 3
  execute:
    items:
      - id: go-no-go
        title: Go/no-go decision
        kind: approval
        approvers: [change-manager, app-owner]
        depends_on: [rehearse]
      - id: stop-apps
        title: Stop application writers
        depends_on: [go-no-go]
        estimate: 10m
        rollback: Start the writers again
        rollback_estimate: 5m
      - id: upgrade
        title: Run the upgrade ({{ticket}})
        depends_on: [stop-apps]
        estimate: 40m
        point_of_no_return: true
  monitor:
    items:
      - id: latency
        title: p95 latency back to baseline
        kind: metric
        baseline: 120ms
        target: "<= 150ms"
"""

OTHER_TEMPLATE = """\
format: 1
id: other
name: Another plan
phases:
  execute:
    items:
      - id: only-step
        title: Do the only step
"""

BROKEN_TEMPLATE = """\
format: 1
id: broken
name: Broken plan
phases:
  execute:
    items:
      - id: a
        title: Step a
        estimate: 90
      - id: b
        title: Step b
        depends_on: [nowhere]
"""


def updeck_bin() -> str:
    beside = Path(sys.executable).parent / "updeck"
    if beside.exists():
        return str(beside)
    found = shutil.which("updeck")
    if found is None:  # pragma: no cover - the package is installed in the test venv
        raise RuntimeError("the updeck entry point is not installed")
    return found


@dataclass
class Result:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


class Cli:
    """Runs ``updeck`` with its own data folder and template folder: in-process by default,
    in a subprocess of the installed entry point with ``process=True`` (for the whole
    runner, or one call)."""

    def __init__(self, root: Path, *, process: bool = False) -> None:
        self.root = root
        self.db = root / "data"
        self.templates = root / "templates"
        self.templates.mkdir(parents=True, exist_ok=True)
        (self.templates / "mini.yaml").write_text(MINI_TEMPLATE)
        (self.templates / "other.yaml").write_text(OTHER_TEMPLATE)
        self.process = process
        self.exe = updeck_bin()
        self.env = dict(os.environ)
        self.env.update({"UPDECK_DB": str(self.db), "UPDECK_TEMPLATE_PATH": str(self.templates),
                         "UPDECK_OPERATOR": "tester", "PYTHONIOENCODING": "utf-8"})
        self.env.pop("UPDECK_DEBUG", None)

    def argv(self, *args: str) -> list[str]:
        return [self.exe, *args]

    def __call__(self, *args: str, stdin: str | None = None, timeout: float = 120,
                 env: dict[str, str] | None = None, process: bool | None = None) -> Result:
        if self.process if process is None else process:
            proc = subprocess.run(self.argv(*args), input=stdin if stdin is not None else "",
                                  capture_output=True, text=True, timeout=timeout,
                                  env={**self.env, **(env or {})}, cwd=self.root)
            return Result(proc.returncode, proc.stdout, proc.stderr)
        return self.in_process(list(args), stdin or "", {**self.env, **(env or {})})

    def in_process(self, argv: list[str], stdin: str, env: dict[str, str]) -> Result:
        """``main(argv)`` here, as the entry point would run it: this environment and
        folder, stdin a pipe holding ``stdin`` (not a terminal), stdout and stderr caught
        (UTF-8, with the binary ``buffer`` that verify writes to)."""
        from updeck.tui.cli import main

        out, err = _capture(), _capture()
        with _process_state(env, self.root), _streams(_feed(stdin), out, err):
            try:
                code = main(argv)
            except SystemExit as stop:  # argparse: --help, --version, usage errors
                code = _exit_code(stop, err)
        return Result(code, _text(out), _text(err))

    def popen(self, *args: str, **kwargs: object) -> subprocess.Popen[str]:
        return subprocess.Popen(self.argv(*args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env, cwd=self.root,
                                **kwargs)  # type: ignore[call-overload]

    def ok(self, *args: str, **kwargs: object) -> str:
        result = self(*args, **kwargs)  # type: ignore[arg-type]
        assert result.code == 0, str(result)
        return result.out

    def log_files(self, project_id: str) -> list[Path]:
        return sorted((self.db / "projects" / project_id).glob("log-*.json"))

    def log_bytes(self, project_id: str) -> bytes:
        return b"".join(p.read_bytes() for p in self.log_files(project_id))


def _capture() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace",
                            newline="\n", write_through=True)


def _feed(text: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8")


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8", errors="replace")


def _exit_code(stop: SystemExit, err: io.TextIOWrapper) -> int:
    if stop.code is None or isinstance(stop.code, int):
        return stop.code or 0
    print(stop.code, file=err)  # what the interpreter does with SystemExit("text")
    return 1


@contextmanager
def _process_state(env: dict[str, str], cwd: Path) -> Iterator[None]:
    """This environment and working folder while inside; the old ones restored after."""
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


@contextmanager
def _streams(stdin: io.TextIOWrapper, stdout: io.TextIOWrapper,
             stderr: io.TextIOWrapper) -> Iterator[None]:
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
    try:
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
