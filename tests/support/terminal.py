"""Drive real terminals for tests: a private tmux server, keys in, screen text out."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Callable

PATIENCE = 30.0  # seconds: the least any wait_for waits before it gives up


def tmux_path() -> str | None:
    return shutil.which("tmux")


class Tmux:
    """A tmux server on its own socket, so tests never touch the user's sessions."""

    def __init__(self) -> None:
        self.socket = f"updeck-test-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, "-u", *args], capture_output=True,
                              text=True, timeout=20)
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def start(self, name: str, command: str, *, width: int = 80, height: int = 24,
              env: dict[str, str] | None = None) -> None:
        """A new session ``name`` running ``command`` in a ``width`` x ``height`` terminal."""
        env_args: list[str] = []
        for key, value in (env or {}).items():
            env_args += ["-e", f"{key}={value}"]
        self.run("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height),
                 *env_args, command)
        self.run("set-option", "-t", name, "remain-on-exit", "on")

    def send(self, name: str, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", name, key)
            time.sleep(0.15)

    def screen(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", name)

    def pane_pid(self, name: str) -> int:
        return int(self.run("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def pane_dead(self, name: str) -> bool:
        return self.run("display-message", "-p", "-t", name, "#{pane_dead}").strip() == "1"

    def wait_for(self, name: str, test: Callable[[str], bool] | str, *, timeout: float = 15.0,
                 what: str = "") -> str:
        check = (lambda s: test in s) if isinstance(test, str) else test
        # Never less than PATIENCE: on a loaded machine a terminal is slow to paint, and tests
        # never assert on wall time (bench/ measures it). Returns as soon as the screen shows it.
        timeout = max(timeout, PATIENCE)
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen(name)
            if check(screen):
                return screen
            time.sleep(0.1)
        label = what or (test if isinstance(test, str) else "the expected screen")
        raise AssertionError(f"{name}: never showed {label!r} within {timeout}s; screen:\n{screen}")

    def kill(self) -> None:
        self.run("kill-server", check=False)
