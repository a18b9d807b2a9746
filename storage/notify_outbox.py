"""The notification outbox of a project: what is queued, tried, delivered or failed.

:class:`Outbox` is the interface the sender and ``notify status`` use (a file one here;
another backend supplies its own). :class:`FileOutbox` keeps ``<project>/notify/outbox.jsonl``,
an append-only journal of JSON lines, written under ``<project>/notify/.lock`` (the same
``filelock`` discipline as the log: kernel-released on ``kill -9``) and fsync'd after every
append. A line torn by a crash has no newline: readers skip it and the next writer cuts
it off before appending. When most lines are history the journal is rewritten whole
(temp file, fsync, ``os.replace``), settled notifications kept as one line each.

Lines: ``{"q": notification}`` queued · ``{"cursor": seq}`` the log was scanned up to seq ·
``{"try": key, "tries": n, "error": text, "next": epoch}`` a failed attempt ·
``{"done": key, "status": "delivered"|"failed", "tries": n, "error": text, "at": iso,
"head": seq}`` settled (``head``: the log's seq when it settled) · ``{"logged": [keys]}``
the outcome is in the status log.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson
from updeck.models.notify_match import Notification
from updeck.storage.atomic_storage import ensure_shared_dir, file_mode, write_atomic
from updeck.storage.locked_db import WriteLock
from updeck.storage.notify_lease import FileLease, Lease

JOURNAL = "outbox.jsonl"
NOTIFY_DIR = "notify"
COMPACT_AT = 20_000  # lines; rewritten when fewer than a quarter of them are still needed


@dataclass(slots=True)
class Entry:
    """One notification and what became of it."""

    notification: Notification
    order: int
    status: str = "queued"  # queued, delivered, failed
    tries: int = 0
    error: str = ""
    next_try: float = 0.0  # epoch seconds; 0 = now
    settled_at: str = ""
    head: int = 0
    logged: bool = False

    @property
    def key(self) -> str:
        return self.notification.key


@dataclass(slots=True)
class OutboxView:
    """The outbox as read: entries by key, in the order they were queued."""

    cursor: int = 0
    entries: dict[str, Entry] = field(default_factory=dict)
    lines: int = 0

    # The file outbox hands the same view to the sender's threads and adds to it under its
    # mutex: take the entries in one step (list() of a dict runs without releasing the GIL),
    # so a reader never iterates while another thread adds a key.
    def pending(self) -> list[Entry]:
        return [e for e in list(self.entries.values()) if e.status == "queued"]

    def unlogged(self) -> list[Entry]:
        return [e for e in list(self.entries.values()) if e.status != "queued" and not e.logged]

    def apply(self, record: dict[str, Any]) -> None:
        self.lines += 1
        if "q" in record:
            note = Notification.from_dict(record["q"])
            if note.key not in self.entries:
                self.entries[note.key] = Entry(note, len(self.entries))
        elif "cursor" in record:
            self.cursor = max(self.cursor, int(record["cursor"]))
        elif "try" in record:
            if (entry := self.entries.get(str(record["try"]))) is not None:
                entry.tries = int(record.get("tries", entry.tries + 1))
                entry.error = str(record.get("error", ""))
                entry.next_try = float(record.get("next", 0.0))
        elif "done" in record:
            if (entry := self.entries.get(str(record["done"]))) is not None:
                entry.status = str(record.get("status", "delivered"))
                entry.tries = int(record.get("tries", entry.tries))
                entry.error = str(record.get("error", ""))
                entry.settled_at = str(record.get("at", ""))
                entry.head = int(record.get("head", 0))
                entry.logged = bool(record.get("logged", False))
        elif "logged" in record:
            for key in record["logged"]:
                if (entry := self.entries.get(str(key))) is not None:
                    entry.logged = True


@dataclass(frozen=True, slots=True)
class Settled:
    """A notification delivered, or failed for good (``head``: the log's seq then)."""

    key: str
    status: str  # delivered or failed
    tries: int
    error: str = ""
    at: str = ""
    head: int = 0

    def record(self) -> dict[str, Any]:
        return {"done": self.key, "status": self.status, "tries": self.tries,
                "error": self.error, "at": self.at, "head": self.head}


class Outbox(Protocol):
    """What a sender needs from an outbox, whatever keeps it."""

    def view(self) -> OutboxView: ...
    def enqueue(self, notifications: Sequence[Notification], cursor: int | None) -> int: ...
    def record_try(self, key: str, tries: int, error: str, next_try: float) -> None: ...
    def settle(self, outcomes: Sequence[Settled], *, durable: bool = True) -> None: ...
    def sync(self) -> None: ...
    def mark_logged(self, keys: Iterable[str]) -> None: ...
    def lease(self) -> Lease: ...


class FileOutbox:
    """The outbox journal of one project folder (see the module docstring)."""

    def __init__(self, project_folder: Path, *, lock_timeout: float = 10.0) -> None:
        self.folder = project_folder / NOTIFY_DIR
        self.path = self.folder / JOURNAL
        self._lock = WriteLock(self.folder, f"{project_folder.name} outbox", lock_timeout)
        self._view = OutboxView()
        self._offset = 0
        self._inode = -1
        self._mutex = threading.RLock()  # the sender's threads share one outbox

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        ensure_shared_dir(self.folder)
        with self._mutex, self._lock.held():
            yield

    def lease(self) -> Lease:
        return FileLease(self.folder, self.locked)

    # --- reading ----------------------------------------------------------------------

    def view(self) -> OutboxView:
        """The outbox now (only lines added since the last call are parsed)."""
        with self._mutex:
            return self._read_new()

    def _read_new(self) -> OutboxView:
        try:
            with open(self.path, "rb") as handle:
                st = os.fstat(handle.fileno())
                if st.st_ino != self._inode or st.st_size < self._offset:
                    self._view, self._offset, self._inode = OutboxView(), 0, st.st_ino
                handle.seek(self._offset)
                data = handle.read()
        except FileNotFoundError:
            self._view, self._offset, self._inode = OutboxView(), 0, -1
            return self._view
        end = data.rfind(b"\n") + 1  # a torn last line (no newline) is not read
        for line in data[:end].splitlines():
            if line.strip():
                with contextlib.suppress(orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                    self._view.apply(orjson.loads(line))
        self._offset += end
        return self._view

    # --- writing ----------------------------------------------------------------------

    def _append(self, records: Sequence[dict[str, Any]], *, sync: bool = True) -> None:
        """Append whole lines, fsync'd; call with the lock held."""
        if not records:
            return
        data = b"".join(orjson.dumps(r) + b"\n" for r in records)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), file_mode())
        try:
            size = os.fstat(fd).st_size
            if size:
                last = os.pread(fd, 1, size - 1)
                if last != b"\n":  # torn by a crash: cut back to the last whole line
                    tail = os.pread(fd, min(size, 1 << 20), max(0, size - (1 << 20)))
                    keep = size - len(tail) + tail.rfind(b"\n") + 1
                    os.ftruncate(fd, keep)
                    size = keep
            os.lseek(fd, size, os.SEEK_SET)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)

    def write(self, records: Sequence[dict[str, Any]]) -> None:
        with self.locked():
            self._append(records)

    def enqueue(self, notifications: Sequence[Notification], cursor: int | None) -> int:
        """Queue the notifications not seen before (by key) and move the scan cursor;
        how many were new."""
        with self.locked():
            view = self.view()
            unique = {n.key: n for n in notifications}
            fresh = [n for key, n in unique.items() if key not in view.entries]
            records: list[dict[str, Any]] = [{"q": n.to_dict()} for n in fresh]
            if cursor is not None and cursor > view.cursor:
                records.append({"cursor": cursor})
            self._append(records)
            self._maybe_compact()
        return len(fresh)

    def record_try(self, key: str, tries: int, error: str, next_try: float) -> None:
        self.write([{"try": key, "tries": tries, "error": error, "next": next_try}])

    def settle(self, outcomes: Sequence[Settled], *, durable: bool = True) -> None:
        """Outcomes in one append. ``durable=False`` leaves out the fsync: the line is in
        the kernel (it survives the sender's ``kill -9``, not a power cut) until
        :meth:`sync`."""
        if outcomes:
            with self.locked():
                self._append([o.record() for o in outcomes], sync=durable)

    def sync(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def mark_logged(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if keys:
            self.write([{"logged": keys}])

    def _maybe_compact(self) -> None:
        view = self.view()
        if view.lines < COMPACT_AT or len(view.entries) * 4 > view.lines:
            return
        records: list[dict[str, Any]] = [{"cursor": view.cursor}]
        for entry in view.entries.values():
            records.append({"q": entry.notification.to_dict()})
            if entry.status != "queued":
                records.append({"done": entry.key, "status": entry.status, "tries": entry.tries,
                                "error": entry.error, "at": entry.settled_at, "head": entry.head,
                                "logged": entry.logged})
            elif entry.tries:
                records.append({"try": entry.key, "tries": entry.tries, "error": entry.error,
                                "next": entry.next_try})
        write_atomic(self.path, b"".join(orjson.dumps(r) + b"\n" for r in records))
        self.view()


def file_outbox(project_folder: Path, *, lock_timeout: float = 10.0) -> FileOutbox:
    return FileOutbox(project_folder, lock_timeout=lock_timeout)
