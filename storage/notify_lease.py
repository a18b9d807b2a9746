"""The sender's lease: exactly one process delivers a project's notifications at a time.

``<project>/notify/lease.json`` (written atomically, under the outbox lock) names the
holder (pid, host, the process's start time, a random token), its kind (``run``: a
``updeck notify run``; ``dashboard``: an open dashboard, which gives way to a ``run``) and
when it expires. A holder renews it well before then; a lease is free once expired, or at
once when its holder on this host is no longer running (a ``kill -9``'d sender).
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson
from updeck.storage.atomic_storage import write_atomic

LEASE_FILE = "lease.json"
LEASE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class LeaseInfo:
    token: str
    pid: int
    host: str
    started: str  # the process's start time (Linux: /proc ticks), to tell a reused pid
    kind: str  # run or dashboard
    expires: float  # epoch seconds

    def holder(self) -> str:
        return f"{self.kind} pid {self.pid}@{self.host}"

    def to_dict(self) -> dict[str, Any]:
        return {"token": self.token, "pid": self.pid, "host": self.host, "started": self.started,
                "kind": self.kind, "expires": self.expires}


class Lease(Protocol):
    def acquire(self, kind: str, *, seconds: float = LEASE_SECONDS) -> bool: ...
    def release(self) -> None: ...
    def current(self) -> LeaseInfo | None: ...


def process_started(pid: int) -> str:
    """The start time of a process (field 22 of /proc/PID/stat), "" when unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return ""
    fields = data[data.rfind(b")") + 2:].split()
    return fields[19].decode() if len(fields) > 19 else ""


def holder_gone(info: LeaseInfo, host: str) -> bool:
    """True when the holder ran on this host and that process no longer runs."""
    if info.host != host:
        return False
    try:
        os.kill(info.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    started = process_started(info.pid)
    return bool(started and info.started and started != info.started)


class FileLease:
    """The lease file of one project's notify folder."""

    def __init__(self, folder: Path, locked: Callable[[], AbstractContextManager[None]]) -> None:
        self.path = folder / LEASE_FILE
        self._locked = locked
        self.token = os.urandom(8).hex()
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.started = process_started(self.pid)

    def current(self) -> LeaseInfo | None:
        try:
            data = orjson.loads(self.path.read_bytes())
            return LeaseInfo(str(data["token"]), int(data["pid"]), str(data["host"]),
                             str(data.get("started", "")), str(data.get("kind", "run")),
                             float(data["expires"]))
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None

    def _free_for(self, info: LeaseInfo | None, kind: str) -> bool:
        if info is None or info.token == self.token:
            return True
        if info.expires < time.time() or holder_gone(info, self.host):
            return True
        return kind == "run" and info.kind == "dashboard"

    def acquire(self, kind: str, *, seconds: float = LEASE_SECONDS) -> bool:
        """Take or renew the lease; False while another sender holds it."""
        if self.pid != os.getpid():  # a forked child is not the holder
            self.pid, self.token = os.getpid(), os.urandom(8).hex()
            self.started = process_started(self.pid)
        with self._locked():
            if not self._free_for(self.current(), kind):
                return False
            mine = LeaseInfo(self.token, self.pid, self.host, self.started, kind,
                             time.time() + seconds)
            write_atomic(self.path, orjson.dumps(mine.to_dict()))
        return True

    def release(self) -> None:
        with self._locked():
            info = self.current()
            if info is not None and info.token == self.token:
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()

    def held(self) -> bool:
        info = self.current()
        return info is not None and info.token == self.token and info.expires > time.time()
