"""When the terminal goes away the dashboard ends, even if Textual's shutdown blocks on
writing to it (the real-terminal test is tests/e2e/test_tmux.py)."""

from __future__ import annotations

import subprocess
import sys

from updeck.tui.dashboard.terminal import terminal_gone

BLOCKED_SHUTDOWN = """
import threading
from updeck.tui.dashboard.terminal import end_within
end_within(0.2, 7)
threading.Event().wait()  # a shutdown that never ends by itself
"""


def test_a_blocked_shutdown_still_ends_the_process() -> None:
    done = subprocess.run([sys.executable, "-c", BLOCKED_SHUTDOWN], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 7, done.stderr


def test_a_process_without_a_terminal_is_told_so() -> None:
    # Under pytest stdin is not a terminal: the check says why instead of raising.
    assert terminal_gone(parent_pid=-1) != ""
