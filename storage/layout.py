"""The on-disk layout of a data folder, its schema version and the log segment format.

::

    <data folder>/
      projects/
        <project id>/
          project.json        TinyDB, table "project", doc 1: schema, id, name, template,
                              created at/by, segment size. Written once, at creation.
          log-000001.json     TinyDB, table "meta" (doc 1: schema, segment number, first
          log-000002.json     seq) and table "events" (doc id = the event's seq, the doc
          ...                 = Event.to_dict()). At most ``segment_size`` events each
                              (one command's events are never split), so a write rewrites
                              one small file; full segments never change again.
          .lock               the sidecar write lock (flock)

The newest segment is the project's head: its last event gives the last seq and hash.
Each write replaces exactly one file, so a commit is one atomic ``os.replace``: there is
no second "head" file that could disagree with the log after a crash.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from updeck.models.events import Event, EventKind, Operator
from updeck.storage.atomic_storage import Tables, UnreadableFile, read_tables

SCHEMA_VERSION = 1
DEFAULT_SEGMENT_SIZE = 500  # see bench/bench_storage.py --sweep
# A segment is also full at this many bytes (big verification outputs), so the cost of one
# write stays bounded whatever the events hold.
DEFAULT_SEGMENT_BYTES = 1 << 20
PROJECTS = "projects"
PROJECT_FILE = "project.json"
SEGMENT_RE = re.compile(r"^log-(\d{6,})\.json$")
PROJECT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")

# Migrations: MIGRATIONS[v] upgrades a project folder from schema v to v + 1, in place,
# while the caller holds the project's write lock. Empty while there is only version 1.
Migration = Callable[[Path], None]
MIGRATIONS: dict[int, Migration] = {}


def segment_name(number: int) -> str:
    return f"log-{number:06d}.json"


def segment_path(folder: Path, number: int) -> Path:
    return folder / segment_name(number)


def segment_numbers(names: list[str]) -> list[int]:
    """The segment numbers among file names, sorted."""
    found = []
    for name in names:
        match = SEGMENT_RE.match(name)
        if match:
            found.append(int(match.group(1)))
    return sorted(found)


class Damage(Exception):
    """A file of the project is unreadable or inconsistent (wrapped into DamagedProject)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def check_schema(path: Path, meta: Mapping[str, Any]) -> int:
    """The file's schema version; :class:`Damage` when it is missing or unknown."""
    version = meta.get("schema")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise Damage(path, f"wrong schema version {version!r}")
    if version > SCHEMA_VERSION:
        raise Damage(path, f"schema version {version} was written by a newer updeck "
                     f"(this one reads up to {SCHEMA_VERSION}); upgrade updeck")
    if version < SCHEMA_VERSION and not all(v in MIGRATIONS for v in range(version, SCHEMA_VERSION)):
        raise Damage(path, f"schema version {version} has no migration to {SCHEMA_VERSION}")
    return version


def _single_doc(path: Path, tables: Tables, table: str) -> dict[str, Any]:
    docs = tables.get(table)
    if not isinstance(docs, dict) or not isinstance(docs.get("1"), dict):
        raise Damage(path, f"the {table!r} record is missing")
    doc: dict[str, Any] = docs["1"]
    return doc


def project_meta_doc(project_id: str, segment_size: int, name: str, template_id: str,
                     template_version: str, created_at: str, created_by: str,
                     segment_bytes: int = DEFAULT_SEGMENT_BYTES) -> Tables:
    return {"project": {"1": {
        "schema": SCHEMA_VERSION, "id": project_id, "name": name, "template_id": template_id,
        "template_version": template_version, "created_at": created_at,
        "created_by": created_by, "segment_size": segment_size, "segment_bytes": segment_bytes,
    }}}


def segment_full(meta: Mapping[str, Any], count: int, nbytes: int) -> bool:
    """Whether a segment holding ``count`` events in ``nbytes`` takes no more: the next
    command's events go to a new segment."""
    limit = meta.get("segment_bytes")
    return count >= int(meta["segment_size"]) or (isinstance(limit, int) and nbytes >= limit)


def read_project_meta(path: Path) -> dict[str, Any]:
    """The ``project`` record of ``project.json``; :class:`Damage` when unreadable."""
    try:
        result = read_tables(path)
    except UnreadableFile as exc:
        raise Damage(path, exc.reason) from exc
    if result is None:
        raise Damage(path, "missing (the project folder is incomplete)")
    meta = _single_doc(path, result[0], "project")
    check_schema(path, meta)
    size = meta.get("segment_size")
    if not isinstance(size, int) or size < 1:
        raise Damage(path, f"bad segment size {size!r}")
    limit = meta.get("segment_bytes", 0)
    if not isinstance(limit, int) or limit < 0:
        raise Damage(path, f"bad segment byte limit {limit!r}")
    return meta


def segment_doc(number: int, first_seq: int, events: list[Event]) -> Tables:
    return {
        "meta": {"1": {"schema": SCHEMA_VERSION, "segment": number, "first_seq": first_seq}},
        "events": {str(e.seq): e.to_dict() for e in events},
    }


# --- decoding events fast ---------------------------------------------------------

_KINDS: dict[str, EventKind] = {k.value: k for k in EventKind}


class EventDecoder:
    """``Event.from_dict`` for many events: operators shared, kinds looked up in a dict,
    each event's ``prev`` shares the previous event's ``hash`` string (saves memory)."""

    def __init__(self) -> None:
        self._operators: dict[tuple[str, str, str, str], Operator] = {}

    def operator(self, data: Mapping[str, Any]) -> Operator:
        key = (str(data.get("user", "")), str(data.get("host", "")), str(data.get("ssh_client", "")),
               str(data.get("login", "")))
        op = self._operators.get(key)
        if op is None:
            op = self._operators[key] = Operator(*key)
        return op

    def event(self, data: Mapping[str, Any]) -> Event:
        by = data["by"]
        return Event(
            seq=int(data["seq"]),
            at=datetime.fromisoformat(data["at"]),
            by=self.operator(by if isinstance(by, Mapping) else {}),
            kind=_KINDS[data["kind"]],
            item=data.get("item"),
            payload=data.get("payload") or {},
            prev=data.get("prev", ""),
            hash=data.get("hash", ""),
        )


@dataclass(slots=True)
class Segment:
    """A parsed, checked log segment."""

    number: int
    path: Path
    first_seq: int
    events: list[Event]
    damage: Damage | None = None  # set when only a leading part of the file was good


def decode_segment(path: Path, number: int, tables: Tables, decoder: EventDecoder,
                   expected_first: int, prev_hash: str, *, after_seq: int = 0,
                   full_hash: bool = False, check_links: bool = True) -> Segment:
    """Check a segment and decode its events with seq > ``after_seq``.

    Raises :class:`Damage` for a bad header; a bad event stops decoding there and is
    reported in ``Segment.damage`` with the good events before it kept.
    ``prev_hash`` is the hash of the event just before the first one decoded (event
    ``max(after_seq, expected_first - 1)``). ``check_links=False`` leaves the hash chain
    to the caller (``check_log`` runs :func:`updeck.models.events.verify_chain` for its message).
    """
    meta = _single_doc(path, tables, "meta")
    check_schema(path, meta)
    if meta.get("segment") != number:
        raise Damage(path, f"segment number {meta.get('segment')!r} does not match its name")
    first = meta.get("first_seq")
    if first != expected_first:
        raise Damage(path, f"starts at event #{first!r}, expected #{expected_first} "
                     "(events missing or duplicated between segments)")
    docs = tables.get("events")
    if not isinstance(docs, dict) or not docs:
        raise Damage(path, "holds no events")
    if after_seq >= expected_first:
        # What was read before must still be there, unchanged: a rolled-back or rewritten
        # segment must not be appended to (the log would get a gap or a fork).
        known = docs.get(str(after_seq))
        if not isinstance(known, dict) or known.get("hash") != prev_hash:
            raise Damage(path, f"event #{after_seq} is not the one read before "
                         "(the segment was rolled back or rewritten)")
    events: list[Event] = []
    seq = expected_first
    prev = prev_hash
    damage: Damage | None = None
    # Documents are stored in seq order; walk by expected id so a gap is noticed.
    for _ in range(len(docs)):
        doc = docs.get(str(seq))
        if not isinstance(doc, dict):
            damage = Damage(path, f"event #{seq} is missing")
            break
        if seq > after_seq:
            try:
                event = decoder.event(doc)
            except (KeyError, ValueError, TypeError) as exc:
                damage = Damage(path, f"event #{seq} cannot be read ({exc})")
                break
            if event.seq != seq:
                damage = Damage(path, f"document #{seq} holds event #{event.seq}")
                break
            if check_links and event.prev != prev:
                damage = Damage(path, f"event #{seq} does not follow the event before it "
                                "(previous hash differs)")
                break
            if full_hash and event.computed_hash() != event.hash:
                damage = Damage(path, f"event #{seq}: content was changed after it was written")
                break
            events.append(event)
            prev = event.hash
        seq += 1
    return Segment(number, path, expected_first, events, damage)
