"""A TinyDB storage that survives other writers, ``kill -9``, a dropped session, a full disk.

* Writes go to a temp file in the same folder (``.<name>.<random>.tmp``), created with the
  group-shared mode, written with orjson, fsync'd, renamed over the target with
  ``os.replace`` and then the folder is fsync'd. Readers and crashes only ever see the old
  file or the new one, never a torn one.
* Reads always open the *path* (never a long-lived handle: after another process's
  ``os.replace`` such a handle would keep reading the old inode). A parse cache keyed on
  ``(inode, size, mtime_ns)`` of the opened file saves re-parsing an unchanged file; one
  ``stat`` per read checks it.
* A file that is not a JSON object of tables raises :class:`UnreadableFile`; the storage
  never writes over a file it could not read.

See docs/contracts.md (storage) and /work/shared/research/tinydb.md for the measurements
behind these choices.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage
from updeck.storage.safe_files import UnsafeFile, open_regular, read_capped

_log = logging.getLogger("updeck.storage")

TEMP_SUFFIX = ".tmp"
MAX_FILE_BYTES = 256 * 1024 * 1024  # far above any segment, snapshot or project.json
STALE_TEMP_AGE = 60.0  # seconds: a temp file older than this was left by a crash

Tables = dict[str, dict[str, Any]]
StatKey = tuple[int, int, int]


class UnreadableFile(Exception):
    """A file exists but is not a TinyDB document (truncated, garbage, wrong shape)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class WriteError(OSError):
    """Saving failed (disk full, permissions); the previous file is intact."""


# --- modes and folders ------------------------------------------------------------

def _umask() -> int:
    """The process umask: from /proc on Linux (no change to the process), else by setting
    and restoring it once (racy with other threads only at that first call)."""
    global _UMASK
    if _UMASK is None:
        try:
            with open("/proc/self/status") as fh:
                for line in fh:
                    if line.startswith("Umask:"):
                        _UMASK = int(line.split()[1], 8)
                        break
        except (OSError, ValueError):
            pass
        if _UMASK is None:
            current = os.umask(0o022)
            os.umask(current)
            _UMASK = current
    return _UMASK


_UMASK: int | None = None


def file_mode() -> int:
    """Group read-write always (a cutover team shares the folder); others read if the umask
    allows it; never world-writable."""
    mode = 0o660
    if not _umask() & 0o004:
        mode |= 0o004
    return mode


def dir_mode() -> int:
    """``rwxrws---`` (+ ``r-x`` for others when the umask allows): setgid so files created
    inside inherit the folder's group, the team's group when the data folder is shared."""
    mode = 0o2770
    if not _umask() & 0o005:
        mode |= 0o005
    return mode


def ensure_shared_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) as shared folders; existing ones are left as
    they are (the administrator's choice of mode wins)."""
    if path.is_dir():
        return
    ensure_shared_dir(path.parent)
    try:
        os.mkdir(path)
    except FileExistsError:
        return
    with contextlib.suppress(OSError):  # e.g. a folder we may create but not chmod
        os.chmod(path, dir_mode())
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename or create inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- atomic write -----------------------------------------------------------------

def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}{TEMP_SUFFIX}")


def write_atomic(path: Path, data: bytes, *, mode: int | None = None) -> StatKey:
    """Replace ``path`` with ``data`` durably and atomically; the new file's stat key.

    On any failure the temp file is removed, ``path`` is left as it was and
    :class:`WriteError` is raised.
    """
    tmp = _temp_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as exc:
        raise WriteError(exc.errno, f"cannot create {tmp}: {exc.strerror}") from exc
    try:
        try:
            os.fchmod(fd, file_mode() if mode is None else mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
            st = os.fstat(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        what = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror
        raise WriteError(exc.errno, f"could not save {path}: {what}") from exc
    try:
        fsync_dir(path.parent)
    except OSError as exc:
        # The new file is in place and every reader sees it: the write happened. Saying
        # it failed would make a caller retry it (and count a cost twice, say).
        _log.warning("%s was replaced but its folder could not be synced (%s); the change "
                     "may not survive a power loss", path, exc.strerror)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def clean_stale_temps(folder: Path, *, older_than: float = STALE_TEMP_AGE) -> list[Path]:
    """Remove ``.<name>.*.tmp`` files older than ``older_than`` seconds (crash residue).
    Call it while holding the folder's lock so no live writer's temp file is removed."""
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX)):
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime > older_than:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


# --- reading ----------------------------------------------------------------------

def stat_key(path: Path) -> StatKey | None:
    """``(inode, size, mtime_ns)`` of ``path``, or None when it does not exist."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def read_tables(path: Path) -> tuple[Tables, StatKey] | None:
    """Parse a TinyDB file; None when it does not exist; :class:`UnreadableFile` when it
    is not a JSON object of tables."""
    try:  # a regular file inside its folder only: a FIFO, a device or a symlink out is refused
        fd, st = open_regular(path, inside=path.parent)
    except FileNotFoundError:
        return None
    except UnsafeFile as exc:
        raise UnreadableFile(path, exc.why) from exc
    except OSError as exc:
        raise UnreadableFile(path, f"cannot open: {exc.strerror}") from exc
    try:
        raw = read_capped(fd, path, MAX_FILE_BYTES)
    except UnsafeFile as exc:
        raise UnreadableFile(path, exc.why) from exc
    except OSError as exc:
        raise UnreadableFile(path, f"cannot read: {exc.strerror}") from exc
    finally:
        os.close(fd)
    key = (st.st_ino, st.st_size, st.st_mtime_ns)
    return parse_tables(path, raw), key


def parse_tables(path: Path, raw: bytes) -> Tables:
    if not raw.strip():
        raise UnreadableFile(path, "the file is empty (truncated)")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise UnreadableFile(path, f"not valid JSON ({exc}); truncated or overwritten") from exc
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise UnreadableFile(path, "not a TinyDB file (expected an object of tables)")
    return data


class AtomicJSONStorage(Storage):
    """TinyDB storage: atomic, durable, group-shared writes; stat-validated parse cache.

    ``TinyDB(path, storage=AtomicJSONStorage)``. ``cache=False`` turns the parse cache
    off (for files read once). TinyDB mutates the dict that ``read`` returned before it
    calls ``write``; on a failed write the cache is dropped so the next read re-parses
    the file that is really on disk.
    """

    def __init__(self, path: str | os.PathLike[str], *, cache: bool = True) -> None:
        self.path = Path(path)
        self._use_cache = cache
        self._cached: Tables | None = None
        self._cached_key: StatKey | None = None

    @property
    def cached_key(self) -> StatKey | None:
        """The stat key of the version last read or written by this storage."""
        return self._cached_key

    def read(self) -> Tables | None:
        if self._use_cache and self._cached is not None and stat_key(self.path) == self._cached_key:
            return self._cached
        result = read_tables(self.path)
        if result is None:
            self.drop_cache()
            return None
        data, key = result
        if self._use_cache:
            self._cached, self._cached_key = data, key
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        try:
            payload = orjson.dumps(data)
            key = write_atomic(self.path, payload)
        except BaseException:
            self.drop_cache()
            raise
        if self._use_cache:
            self._cached, self._cached_key = data, key

    def drop_cache(self) -> None:
        self._cached = None
        self._cached_key = None

    def close(self) -> None:
        self.drop_cache()


def iter_names(folder: Path) -> Iterator[str]:
    try:
        with os.scandir(folder) as it:
            for entry in it:
                yield entry.name
    except FileNotFoundError:
        return
