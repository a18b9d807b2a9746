"""TinyDB set up for several processes: a table without per-process caches, and the lock.

* :class:`LockedTable` turns TinyDB's query cache off (``cache_size=0``: the class
  attribute suggested in tinydb#331 has no effect in 4.9, it is bound at definition time)
  and forgets the cached next document id before every insert, so an id chosen by another
  process is never reused. updeck itself gives every log document its own id (its sequence
  number), so the second point is belt and braces.
* :func:`open_db` opens a TinyDB file with :class:`AtomicJSONStorage` and that table.
* :class:`WriteLock` is the sidecar ``filelock.FileLock`` (flock: the kernel drops it
  when the holder dies, so ``kill -9`` and dropped SSH sessions leave no stale lock). It
  raises :class:`updeck.storage.errors.Busy` after the timeout instead of hanging.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.table import Table
from updeck.storage.atomic_storage import AtomicJSONStorage, file_mode
from updeck.storage.errors import Busy

LOCK_NAME = ".lock"
LOCK_POLL = 0.002  # seconds between attempts while another process holds the lock


class LockedTable(Table):
    """A TinyDB table safe to use while other processes write the same file (under the
    file lock): no query cache, no cached next id."""

    def __init__(self, storage: Any, name: str, cache_size: int = 0,
                 persist_empty: bool = False) -> None:
        super().__init__(storage, name, cache_size=0, persist_empty=persist_empty)

    def _forget(self) -> None:
        self._next_id = None
        self.clear_cache()

    def insert(self, document: Mapping[Any, Any]) -> int:
        self._forget()
        return super().insert(document)

    def insert_multiple(self, documents: Iterable[Mapping[Any, Any]]) -> list[int]:
        self._forget()
        return super().insert_multiple(documents)

    def update(self, *args: Any, **kwargs: Any) -> list[int]:
        self._forget()
        return super().update(*args, **kwargs)

    def upsert(self, *args: Any, **kwargs: Any) -> list[int]:
        self._forget()
        return super().upsert(*args, **kwargs)

    def remove(self, *args: Any, **kwargs: Any) -> list[int]:
        self._forget()
        return super().remove(*args, **kwargs)

    def truncate(self) -> None:
        self._forget()
        super().truncate()


class LockedDB(TinyDB):
    table_class = LockedTable


def open_db(path: Path, *, cache: bool = True) -> LockedDB:
    """A TinyDB on ``path`` with the atomic storage and :class:`LockedTable`."""
    return LockedDB(path, storage=AtomicJSONStorage, cache=cache)


def storage_of(db: TinyDB) -> AtomicJSONStorage:
    storage = db.storage
    assert isinstance(storage, AtomicJSONStorage)
    return storage


class WriteLock:
    """The one-writer-at-a-time lock of a folder (a project): ``<folder>/.lock``."""

    def __init__(self, folder: Path, name: str, timeout: float) -> None:
        self.path = folder / LOCK_NAME
        self.name = name
        self.timeout = timeout
        self._lock = FileLock(self.path, timeout=timeout, mode=file_mode(),
                              fallback_to_soft=False, poll_interval=LOCK_POLL)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        started = time.monotonic()
        try:
            self._lock.acquire(timeout=self.timeout, poll_interval=LOCK_POLL)
        except Timeout:
            raise Busy(self.name, time.monotonic() - started) from None
        try:
            yield
        finally:
            self._lock.release()

