"""State snapshots: open a long log without replaying all of it.

When a writer starts a new log segment it also writes ``snap-<segment>.json`` (TinyDB):
the folded state just before that segment's first event, plus the size and mtime of every
sealed segment before it. A cold process then reads ``project.json``, segment 1 (for the
project), the newest snapshot and the segments from there on: the cost of opening a project
is bounded by its item count and one segment, not by the length of its log.

A snapshot is a cache, never the truth:

* it is used only when its ``fingerprint`` (a hash of the ``models`` source that defines the
  fold, plus this codec's version) matches the running code, so a changed engine never
  reads a state folded by another one;
* the events after it must continue its ``last_hash`` (checked as they are decoded);
* every sealed segment must still have the size and mtime recorded, otherwise the log is
  read and checked in full (and a damaged segment reported);
* a missing, unreadable or unknown snapshot means a full replay, nothing worse.

The codec is generic over the dataclasses and enums of ``updeck.models.state``, ``updeck.models.project``
and ``updeck.models.template`` (fields by :func:`dataclasses.fields`, defaults left out), so a field
added to ``ItemRun`` is carried without a change here (and changes the fingerprint).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from updeck.models import authority as m_authority
from updeck.models import commands as m_commands
from updeck.models import engine as m_engine
from updeck.models import events as m_events
from updeck.models import fold as m_fold
from updeck.models import notify_log as m_notify_log
from updeck.models import notify_rules as m_notify_rules
from updeck.models import project as m_project
from updeck.models import rollback as m_rollback
from updeck.models import state as m_state
from updeck.models import team as m_team
from updeck.models import template as m_template
from updeck.models import transitions as m_transitions
from updeck.models.engine import initial_state
from updeck.models.project import Project
from updeck.models.state import ProjectState

CODEC_VERSION = 1
SNAPSHOT_RE_PREFIX = "snap-"
_DERIVED = frozenset({"project", "specs", "dependents"})  # rebuilt from the project
_MODULES = (m_state, m_project, m_template, m_notify_rules)


class SnapshotError(Exception):
    """A state that this codec cannot write, or a snapshot it cannot read."""


def snapshot_name(number: int) -> str:
    return f"{SNAPSHOT_RE_PREFIX}{number:06d}.json"


def snapshot_path(folder: Path, number: int) -> Path:
    return folder / snapshot_name(number)


def snapshot_numbers(names: list[str]) -> list[int]:
    found = []
    for name in names:
        if name.startswith(SNAPSHOT_RE_PREFIX) and name.endswith(".json"):
            digits = name[len(SNAPSHOT_RE_PREFIX):-len(".json")]
            if digits.isdigit():
                found.append(int(digits))
    return sorted(found)


_FINGERPRINT: str | None = None


def fingerprint() -> str:
    """A hash of the code that defines the fold; "" (snapshots off) when unreadable."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        digest = hashlib.sha256(f"codec {CODEC_VERSION}".encode())
        try:
            for module in (m_engine, m_fold, m_transitions, m_rollback, m_state, m_events,
                           m_project, m_template, m_commands, m_authority, m_team,
                           m_notify_rules, m_notify_log):
                digest.update(Path(str(module.__file__)).read_bytes())
        except (OSError, TypeError):
            _FINGERPRINT = ""
        else:
            _FINGERPRINT = digest.hexdigest()
    return _FINGERPRINT


def _registry() -> tuple[dict[str, type[Any]], dict[str, type[Enum]]]:
    classes: dict[str, type[Any]] = {}
    enums: dict[str, type[Enum]] = {}
    for module in _MODULES:
        for name, value in vars(module).items():
            if isinstance(value, type) and value.__module__ == module.__name__:
                if dataclasses.is_dataclass(value):
                    classes[name] = value
                elif issubclass(value, Enum):
                    enums[name] = value
    return classes, enums


_CLASSES, _ENUMS = _registry()
_FIELDS: dict[type[Any], tuple[tuple[str, Any], ...]] = {}
_MISSING = object()
_PLAIN = (str, int, float, bool, type(None))


def _fields(cls: type[Any]) -> tuple[tuple[str, Any], ...]:
    """(name, default or _MISSING) of each field of a known dataclass, cached."""
    known = _FIELDS.get(cls)
    if known is None:
        pairs = []
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                pairs.append((f.name, f.default))
            elif f.default_factory is not dataclasses.MISSING:
                pairs.append((f.name, f.default_factory()))
            else:
                pairs.append((f.name, _MISSING))
        known = _FIELDS[cls] = tuple(pairs)
    return known


def encode(value: Any) -> Any:
    """Plain JSON data for a value of the state (type-tagged where JSON has no type)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, Enum):
        return {"$e": kind.__name__, "v": value.value}
    if kind is datetime:
        return {"$d": value.isoformat()}
    if _CLASSES.get(kind.__name__) is kind:
        out: dict[str, Any] = {"$c": kind.__name__}
        for name, default in _fields(kind):
            item = getattr(value, name)
            if default is not _MISSING and (item is default or item == default):
                continue
            out[name] = encode(item)
        return out
    if isinstance(value, tuple):
        return {"$t": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise SnapshotError("cannot snapshot a mapping with non-text keys")
        return {"$m": {k: encode(v) for k, v in value.items()}}
    if isinstance(value, (str, int, float)):  # subclasses of plain types, e.g. a str enum
        return value
    raise SnapshotError(f"cannot snapshot a {kind.__name__}")


def decode(data: Any) -> Any:
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "$c" in data:
        cls = _CLASSES.get(data["$c"])
        if cls is None:
            raise SnapshotError(f"unknown class {data['$c']!r}")
        kwargs = {k: decode(v) for k, v in data.items() if k != "$c"}
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise SnapshotError(str(exc)) from exc
    if "$d" in data:
        return datetime.fromisoformat(data["$d"])
    if "$t" in data:
        return tuple(decode(v) for v in data["$t"])
    if "$m" in data:
        return {k: decode(v) for k, v in data["$m"].items()}
    if "$e" in data:
        enum = _ENUMS.get(data["$e"])
        if enum is None:
            raise SnapshotError(f"unknown enum {data['$e']!r}")
        return enum(data["v"])
    raise SnapshotError("untagged object in a snapshot")


def encode_state(state: ProjectState) -> dict[str, Any]:
    """The state's own fields (not the project, specs, dependents: those come from the
    project). :class:`SnapshotError` when a value is of a type the codec does not know."""
    return {f.name: encode(getattr(state, f.name)) for f in dataclasses.fields(state)
            if f.name not in _DERIVED}


def restore_state(project: Project, data: Mapping[str, Any]) -> ProjectState:
    """The state of ``project`` with the snapshot's fields; :class:`SnapshotError` when the
    snapshot does not fit the running code (a full replay is then needed)."""
    state = initial_state(project)
    names = {f.name for f in dataclasses.fields(state)} - _DERIVED
    if set(data) != names:
        raise SnapshotError("the snapshot's fields differ from ProjectState's")
    try:
        for name, value in data.items():
            setattr(state, name, decode(value))
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise SnapshotError(str(exc)) from exc
    if set(state.items) != set(state.specs):
        raise SnapshotError("the snapshot's items differ from the project's")
    return state
