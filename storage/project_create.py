"""Write a new project folder from a whole, sealed log: built aside, then renamed into place."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from pathlib import Path

import orjson
from updeck.models.engine import fold
from updeck.models.events import Event, verify_chain
from updeck.models.state import ProjectState
from updeck.storage import layout
from updeck.storage.atomic_storage import (
    WriteError,
    dir_mode,
    ensure_shared_dir,
    fsync_dir,
    iter_names,
    write_atomic,
)
from updeck.storage.errors import ProjectExists, StorageError, WriteFailed
from updeck.storage.layout import segment_path
from updeck.storage.locked_db import LOCK_NAME
from updeck.storage.snapshot_store import write_snapshot

NEW_DIR_PREFIX = ".new-"


def importable_state(events: list[Event]) -> ProjectState:
    """The state a whole log folds to, once its chain is verified; ``StorageError`` saying
    why a log cannot be imported (either backend imports through this)."""
    broken = verify_chain(events)
    if broken is not None:
        raise StorageError(f"cannot import a broken log: {broken}")
    try:
        return fold(events)
    except (ValueError, KeyError, TypeError) as exc:
        raise StorageError(f"cannot import: the log cannot be replayed ({exc})") from exc


def write_new_project(projects_dir: Path, events: list[Event], segment_size: int,
                      segment_bytes: int) -> str:
    """Write the project whose first event is ``events[0]``; returns its id.

    The chain is verified first; segments and the newest snapshot are written as the
    writers would. ``ProjectExists`` if the id is taken; the folder appears whole or not
    at all.
    """
    project = importable_state(events).project
    if not layout.PROJECT_ID_RE.match(project.id):
        raise StorageError(f"{project.id!r} is not a usable project id")
    size = segment_size
    ensure_shared_dir(projects_dir)
    final = projects_dir / project.id
    if final.exists():
        raise ProjectExists(project.id)
    sweep_new_dirs(projects_dir)
    aside = projects_dir / f"{NEW_DIR_PREFIX}{project.id}-{os.getpid()}-{os.urandom(3).hex()}"
    try:
        os.mkdir(aside)
        os.chmod(aside, dir_mode())
        meta = layout.project_meta_doc(
            project.id, size, project.name, project.template_id, project.template_version,
            events[0].at.isoformat(), events[0].by.user, segment_bytes)
        write_atomic(aside / layout.PROJECT_FILE, orjson.dumps(meta))
        starts = list(range(0, len(events), size))
        for number, start in enumerate(starts, start=1):
            chunk = events[start:start + size]
            write_atomic(segment_path(aside, number),
                         orjson.dumps(layout.segment_doc(number, chunk[0].seq, chunk)))
        if len(starts) > 1:
            write_snapshot(aside, len(starts), fold(events[:starts[-1]]))
        write_atomic(aside / LOCK_NAME, b"")  # the lock file, group-writable from the start
        try:
            os.rename(aside, final)
        except OSError as exc:
            if final.exists():
                raise ProjectExists(project.id) from exc
            raise
        fsync_dir(projects_dir)
    except (OSError, WriteError) as exc:
        shutil.rmtree(aside, ignore_errors=True)
        raise WriteFailed(project.id, f"could not create the project: {exc}") from exc
    except BaseException:
        shutil.rmtree(aside, ignore_errors=True)
        raise
    return project.id


def sweep_new_dirs(projects_dir: Path) -> None:
    """Half-built project folders left by a crash during create (10 minutes old)."""
    now = time.time()
    for name in iter_names(projects_dir):
        if name.startswith(NEW_DIR_PREFIX):
            path = projects_dir / name
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > 600:
                    shutil.rmtree(path, ignore_errors=True)
