"""Running an item's ``verify`` command: one runner for the CLI and the dashboard.

The command runs in bash with ``-o pipefail -u`` (a pipeline fails when any part of it
fails; an unset variable is an error), stdin closed, in a process group of its own (so a
timeout or Ctrl-C ends everything it started: TERM, then KILL two seconds later). Its
output is copied to ``echo`` as it comes (the CLI's terminal; the dashboard passes none)
and its last 4 KB are kept for the status log. The run ends when the command exits, not
when its output closes, so a check that leaves a daemon running still passes. The
verdict (``CheckRun.failure``) is :func:`updeck.models.verify_verdict.judge_run`'s:
the expected exit code (default 0), the expected output when set, and exit 126/127
("not run") never a pass.

No Textual here: the CLI imports it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from updeck.models.durations import format_duration
from updeck.models.verify_verdict import judge_run

TAIL_BYTES = 4096
MATCH_BYTES = 1024 * 1024  # expect_output is searched in the first MiB and the tail
SHELL_FLAGS = ("-o", "pipefail", "-u", "-c")
TIMED_OUT = 124
INTERRUPTED = 130


@dataclass(slots=True)
class CheckRun:
    exit_code: int
    output_tail: str  # the last 4 KB of output (decoded), plus updeck's note if any
    duration: float
    note: str = ""
    failure: str = ""  # why it did not pass; "" = passed

    @property
    def passed(self) -> bool:
        return not self.failure

    @property
    def interrupted(self) -> bool:
        return self.exit_code == INTERRUPTED and self.note.startswith("[updeck: interrupted")


def find_bash() -> str:
    """bash from PATH, else its usual places; OSError when there is none."""
    found = shutil.which("bash")
    if found:
        return found
    for place in ("/bin/bash", "/usr/bin/bash", "/usr/local/bin/bash"):
        if os.access(place, os.X_OK):
            return place
    raise FileNotFoundError("bash is not installed (verify commands run in bash)")


def run_check(command: str, timeout: float, echo: Callable[[bytes], None] | None = None, *,
              expect_exit: int = 0, expect_output: str = "",
              env: Mapping[str, str] | None = None, cwd: str | None = None) -> CheckRun:
    """Run ``command``; OSError when the shell itself cannot be started."""
    started = time.monotonic()
    proc = subprocess.Popen([find_bash(), *SHELL_FLAGS, command], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, env=None if env is None else dict(env), cwd=cwd)
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    tail = bytearray()
    head = bytearray()

    def pump() -> None:
        sink = echo
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            if expect_output and len(head) < MATCH_BYTES:
                head.extend(chunk[:MATCH_BYTES - len(head)])
            tail.extend(chunk)
            if len(tail) > 4 * TAIL_BYTES:
                del tail[:-TAIL_BYTES]
            if sink is not None:
                try:
                    sink(chunk)
                except (OSError, ValueError):
                    sink = None  # the reader went away: keep draining, keep the tail

    reader = threading.Thread(target=pump, name="verify-output", daemon=True)
    reader.start()
    note = ""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        note = f"[updeck: timed out after {format_duration(timeout)}; killed]"
    except KeyboardInterrupt:
        kill_group(proc)
        note = "[updeck: interrupted by the operator; killed]"
    reader.join(timeout=2.0)  # a daemon it left behind may keep the pipe open: stop reading
    with contextlib.suppress(OSError):
        proc.stdout.close()
    code = proc.returncode if proc.returncode is not None else -signal.SIGKILL
    if note.startswith("[updeck: timed out"):
        code = TIMED_OUT
    elif note:
        code = INTERRUPTED
    elif code < 0:
        code = 128 - code  # killed by a signal, as the shell reports it
    text = bytes(tail[-TAIL_BYTES:]).decode("utf-8", errors="replace")
    if note:
        failure = note.removeprefix("[updeck: ").removesuffix("]")
        text = (text + ("\n" if text and not text.endswith("\n") else "") + note)[-TAIL_BYTES:]
    else:
        searched = text
        if expect_output and len(head) < MATCH_BYTES:
            searched = bytes(head).decode("utf-8", errors="replace")
        elif expect_output:
            searched = bytes(head).decode("utf-8", errors="replace") + "\n" + text
        failure = judge_run(code, searched, expect_exit, expect_output)
    return CheckRun(code, text, time.monotonic() - started, note, failure)


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """TERM the command's process group, KILL it if it is still there after 2 s."""
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=2.0)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=2.0)
