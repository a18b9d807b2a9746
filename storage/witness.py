"""Witnesses for the hash chain: what this operator has seen of each project's log.

Anyone who can write the shared folder can cut the log or rewrite and re-hash all of it,
and the chain alone cannot tell. So every process that reads a project records the
highest ``(seq, hash)`` it has seen in the operator's own state folder (platformdirs' user
state dir, or ``UPDECK_STATE_DIR``; never the shared one). A later read that finds that
event missing or with another hash is told so, and the repository refuses to write.

Best effort by design: an unwritable state folder records nothing (and says nothing).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_state_path
from updeck.models.events import Event

APP = "updeck"


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("UPDECK_STATE_DIR"):
        return Path(env["UPDECK_STATE_DIR"]).expanduser()
    return user_state_path(APP, appauthor=False)


@dataclass(frozen=True)
class Seen:
    """The newest event an operator's processes saw in one project's log, and when."""

    seq: int
    hash: str
    at: str  # ISO time of the first time it was seen


def witness_path(folder: Path) -> Path:
    try:
        where = str(folder.resolve())
    except (OSError, RuntimeError):
        where = str(folder.absolute())
    key = hashlib.sha256(where.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return state_dir() / "witness" / f"{folder.name[:40]}-{key}.json"


def load(folder: Path) -> Seen | None:
    try:
        raw = json.loads(witness_path(folder).read_text(encoding="utf-8"))
        return Seen(int(raw["seq"]), str(raw["hash"]), str(raw["at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record(folder: Path, seq: int, digest: str, now: datetime | None = None) -> Seen | None:
    """Remember ``(seq, digest)`` as seen; returns what is recorded now."""
    seen = Seen(seq, digest, (now or datetime.now(UTC)).astimezone(UTC).isoformat(
        timespec="seconds"))
    path = witness_path(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".witness-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"seq": seen.seq, "hash": seen.hash, "at": seen.at,
                           "folder": str(folder)}, handle)
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError:
        return None
    return seen


def contradiction(seen: Seen, events: Sequence[Event]) -> str | None:
    """None when ``events`` (from ``seen.seq`` on, or the whole tail) agree with what was
    seen; else the sentence for the operator."""
    found = next((e for e in events if e.seq == seen.seq), None)
    if found is not None and found.hash == seen.hash:
        return None
    when = seen.at.replace("T", " ").replace("+00:00", " UTC")
    return f"the log was cut or rewritten since you saw event #{seen.seq} at {when}"


def forget(folder: Path) -> None:
    """Drop the witness of a project folder that was thrown away on purpose (demo reset)."""
    with contextlib.suppress(OSError):
        witness_path(folder).unlink()


# --- snapshots this operator has checked against the log ------------------------------

def _snapshot_mark(folder: Path, number: int) -> Path:
    path = witness_path(folder)
    return path.with_name(f"{path.stem}.snap-{number}")


def snapshot_trusted(folder: Path, number: int, digest: str) -> bool:
    """True when this operator's processes wrote or checked snapshot ``number`` with
    exactly this content (a snapshot edited since is not)."""
    try:
        return _snapshot_mark(folder, number).read_text(encoding="ascii").strip() == digest
    except (OSError, UnicodeError):
        return False


def trust_snapshot(folder: Path, number: int, digest: str) -> None:
    """Remember that snapshot ``number`` with this content matches the log (best effort)."""
    path = _snapshot_mark(folder, number)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".snap-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(digest)
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError:
        return
