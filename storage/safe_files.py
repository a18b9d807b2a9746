"""Opening files that someone else may have planted: regular files only, size-capped reads,
and ``-o`` writes through an exclusive temp file that never follow or replace a non-file.

A FIFO opens without blocking (``O_NONBLOCK``) and is then refused by ``fstat``, so a
planted pipe cannot hang a reader; ``/dev/zero`` is refused as a device; a symlink is
followed only when it stays inside the folder given as ``inside``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

DEFAULT_LIMIT = 64 * 1024 * 1024  # a project log segment or an import is far below this

_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class UnsafeFile(OSError):
    """A file that is not a plain regular file of an acceptable size; the message says why."""

    def __init__(self, path: Path | str, why: str) -> None:
        super().__init__(f"{path}: {why}")
        self.path = str(path)
        self.why = why
        self.filename = None  # the message already names the file

    def __str__(self) -> str:
        return f"{self.path}: {self.why}"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symlink"
    return "not a regular file"


def _check_inside(path: Path, inside: Path) -> None:
    try:
        real = path.resolve(strict=True)
        root = inside.resolve()
    except (OSError, RuntimeError) as exc:
        raise UnsafeFile(path, f"cannot resolve the path ({exc})") from None
    if real != root and root not in real.parents:
        raise UnsafeFile(path, f"is a symlink to {real}, outside {root}; refused")


def open_regular(path: Path | str, *, inside: Path | None = None) -> tuple[int, os.stat_result]:
    """An fd open for reading on a regular file (never blocking on a FIFO), and its stat.

    Raises FileNotFoundError when there is no such file, :class:`UnsafeFile` when it is
    not a regular file or (with ``inside``) resolves outside that folder.
    """
    path = Path(path)
    if inside is not None:
        with contextlib.suppress(FileNotFoundError):
            _check_inside(path, inside)
    fd = os.open(path, _READ_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFile(path, f"is {_kind(st.st_mode)}, not a regular file; refused")
        if getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def read_capped(fd: int, path: Path | str, limit: int) -> bytes:
    """At most ``limit`` bytes from ``fd``; :class:`UnsafeFile` when there is more."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = os.read(fd, min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise UnsafeFile(path, f"is larger than {limit} bytes; refused")
    return b"".join(chunks)


def read_regular(path: Path | str, *, limit: int = DEFAULT_LIMIT,
                 inside: Path | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (see :func:`open_regular`)."""
    fd, st = open_regular(path, inside=inside)
    try:
        if st.st_size > limit:
            raise UnsafeFile(path, f"is {st.st_size} bytes, larger than {limit}; refused")
        return read_capped(fd, path, limit)
    finally:
        os.close(fd)


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def write_replacing(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all, safely in a folder others can write.

    The temp file is created exclusively (``mkstemp``: random name, ``O_EXCL``,
    ``O_NOFOLLOW``) beside the target and renamed over it, so a planted symlink is never
    followed. Only a regular file is replaced (a symlink, device, FIFO or folder is
    refused with :class:`UnsafeFile`); a replaced file keeps its mode, a new one gets
    0666 less the umask.
    """
    target = Path(path)
    try:
        before = os.lstat(target)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    else:
        if not stat.S_ISREG(before.st_mode):
            raise UnsafeFile(target, f"is {_kind(before.st_mode)}; refusing to replace it "
                                     "(remove it first or write elsewhere)")
        mode = stat.S_IMODE(before.st_mode)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
