"""The dashboard's terminal: is it still there (a dropped SSH session must not leave a
spinning process), and a hang-up that closes the app cleanly."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

try:
    import termios
except ImportError:  # not on POSIX
    termios = None  # type: ignore[assignment]  # the checks below skip what needs it


def stdin_is_tty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


def should_watch() -> bool:
    """Only a dashboard on a real terminal watches it (textual-serve's web driver talks
    over pipes, tests run headless)."""
    return stdin_is_tty() and "web_driver" not in os.environ.get("TEXTUAL_DRIVER", "")


def terminal_gone(parent_pid: int) -> str:
    """Why the terminal has gone away (hung up, parent shell gone), or "" if it is there."""
    try:
        if sys.stdin is None or not sys.stdin.isatty():
            return "stdin is no longer a terminal"
        if os.getppid() != parent_pid:
            return "the parent process has gone"
        if termios is not None:
            termios.tcgetattr(sys.stdin.fileno())  # EIO once the terminal hung up
    except (ValueError, OSError) as exc:
        return repr(exc)
    except Exception as exc:  # termios.error
        return repr(exc)
    return ""


HANGUP_GRACE = 3.0  # seconds a clean exit gets once the terminal has gone


def end_within(seconds: float = HANGUP_GRACE, code: int = 0) -> None:
    """Once the terminal has gone, give the clean exit ``seconds``, then end the process.

    Textual's shutdown writes to the terminal through a writer thread and a bounded queue;
    when the terminal hung up, that thread can die on the first failed write and the next
    writes then wait for ever (seen: 2 hangs in 8 tries of a killed tmux). Nothing is lost
    by ending: every change is on disk when it is acknowledged, and the log and outbox are
    built to survive a kill at any moment."""
    timer = threading.Timer(seconds, os._exit, args=(code,))
    timer.daemon = True
    timer.start()


@contextmanager
def exit_on_hangup(leave: Callable[[], None]) -> Iterator[None]:
    """While inside, SIGHUP calls ``leave`` (thread-safe) instead of killing the process."""
    if not hasattr(signal, "SIGHUP"):
        yield
        return

    def hangup(signum: int, frame: FrameType | None) -> None:
        leave()

    try:
        previous = signal.signal(signal.SIGHUP, hangup)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, previous)
