"""Snapshot files of a project folder: write one when a segment starts, pick the newest usable one."""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

import orjson
from updeck.models.events import GENESIS, EventKind
from updeck.models.project import Project, project_from_dict
from updeck.models.state import ProjectState
from updeck.storage import layout, snapshot
from updeck.storage.atomic_storage import (
    UnreadableFile,
    iter_names,
    read_tables,
    stat_key,
    write_atomic,
)
from updeck.storage.layout import EventDecoder, segment_path
from updeck.storage.witness import snapshot_trusted, trust_snapshot


def state_digest(seq: int, last_hash: str, encoded: object) -> str:
    """What a snapshot claims, as one hash: the seq and hash of the last event it folds
    and the folded state (sorted keys, so the same state always gives the same digest)."""
    body = orjson.dumps({"seq": seq, "last_hash": last_hash, "state": encoded},
                        option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(body).hexdigest()


def check_snapshot(folder: Path, number: int, state: ProjectState) -> str | None:
    """After a full replay: compare snapshot ``number`` on disk with ``state`` (what the
    log folds to before that segment). The same: trust it, None. Missing or of other
    code: write it, None. Different: rewrite it and say so (the sentence)."""
    try:
        mine = state_digest(state.seq, state.last_hash, snapshot.encode_state(state))
    except (snapshot.SnapshotError, TypeError, orjson.JSONEncodeError):
        return None
    name = snapshot.snapshot_name(number)
    try:
        loaded = read_tables(snapshot.snapshot_path(folder, number))
        doc = loaded[0]["snapshot"]["1"] if loaded is not None else None
        same_code = doc is not None and doc.get("fingerprint") == snapshot.fingerprint()
        theirs = (state_digest(doc["seq"], doc["last_hash"], doc["state"])
                  if doc is not None and same_code else None)
    except (UnreadableFile, KeyError, TypeError, orjson.JSONEncodeError):
        same_code, theirs = False, None
    if theirs == mine:
        trust_snapshot(folder, number, mine)
        return None
    write_snapshot(folder, number, state)
    if not same_code:
        return None
    return (f"the snapshot {name} did not match the log (edited since it was written?): "
            "the whole log was replayed instead, and the snapshot rewritten")


def write_snapshot(folder: Path, number: int, state: ProjectState) -> None:
    """Best effort: ``snap-<number>.json``, the state before segment ``number``, and
    the stat of every sealed segment; older snapshots but one are removed. The writer
    folded that state itself, so its operator trusts the snapshot from now on."""
    fp = snapshot.fingerprint()
    if not fp:
        return
    try:
        sealed: dict[str, list[int]] = {}
        for n in range(1, number):
            key = stat_key(segment_path(folder, n))
            if key is None:
                return
            sealed[str(n)] = [key[1], key[2]]
        doc = {"snapshot": {"1": {
            "schema": layout.SCHEMA_VERSION, "fingerprint": fp, "segment": number,
            "seq": state.seq, "last_hash": state.last_hash, "sealed": sealed,
            "state": snapshot.encode_state(state),
        }}}
        encoded = doc["snapshot"]["1"]["state"]
        trust_snapshot(folder, number, state_digest(state.seq, state.last_hash, encoded))
        write_atomic(snapshot.snapshot_path(folder, number), orjson.dumps(doc))
    except (snapshot.SnapshotError, OSError, TypeError, orjson.JSONEncodeError):
        return
    for old in snapshot.snapshot_numbers(list(iter_names(folder))):
        if old < number - 1:
            with contextlib.suppress(OSError):
                os.unlink(snapshot.snapshot_path(folder, old))


def read_snapshot(folder: Path, names: list[str], numbers: list[int],
                  decoder: EventDecoder, suspicious: set[int]) -> tuple[ProjectState, int] | None:
    """The state from the newest usable snapshot and the segment it precedes, or None
    (no snapshot, another fingerprint, a sealed segment changed since: replay all).
    Sealed segments whose size or mtime differ from a snapshot's record are added to
    ``suspicious``: the replay checks every hash in them."""
    fp = snapshot.fingerprint()
    if len(numbers) < 2:
        return None
    usable = [n for n in snapshot.snapshot_numbers(names) if 2 <= n <= numbers[-1]]
    for number in reversed(usable[-2:]):
        try:
            loaded = read_tables(snapshot.snapshot_path(folder, number))
            if loaded is None:
                continue
            doc = loaded[0]["snapshot"]["1"]
            if doc.get("segment") != number or doc.get("schema") != layout.SCHEMA_VERSION:
                continue
            # the record of the sealed segments holds whatever code wrote the snapshot
            sealed = doc["sealed"]
            changed = set()
            for n in range(1, number):
                key = stat_key(segment_path(folder, n))
                if key is None or [key[1], key[2]] != sealed.get(str(n)):
                    changed.add(n)
            if changed:
                suspicious.update(changed)
                raise snapshot.SnapshotError(f"segments {sorted(changed)} changed since the snapshot")
            if doc.get("fingerprint") != fp:
                continue
            project = _project_from_first_segment(folder, decoder)
            state = snapshot.restore_state(project, doc["state"])
            if state.seq != doc["seq"] or state.last_hash != doc["last_hash"]:
                continue
            # A snapshot is a cache anyone with write access could edit: used only when
            # this operator wrote it or checked it against the log (else a full replay,
            # which checks it and trusts it from then on).
            if not snapshot_trusted(folder, number,
                                    state_digest(doc["seq"], doc["last_hash"], doc["state"])):
                continue
            return state, number
        except (UnreadableFile, snapshot.SnapshotError, KeyError, TypeError, ValueError):
            continue
    return None


def _project_from_first_segment(folder: Path, decoder: EventDecoder) -> Project:
    path = segment_path(folder, 1)
    loaded = read_tables(path)
    if loaded is None:
        raise snapshot.SnapshotError("segment 1 is missing")
    doc = loaded[0]["events"]["1"]
    event = decoder.event(doc)
    if event.computed_hash() != event.hash or event.prev != GENESIS:
        raise snapshot.SnapshotError("the first event does not match its hash")
    if event.kind is not EventKind.PROJECT_CREATED:
        raise snapshot.SnapshotError("the first event does not create the project")
    return project_from_dict(event.payload["project"])
