"""The status log in an ``updeck export --format json`` file, as events whose hashes check.

The report's ``log`` holds every event with its hash; the ``prev`` of each is the hash of
the one before, so the events are rebuilt exactly (``Event.computed_hash``, the models'
hashing) and the chain verified before anything is written: a restore into a data folder
or a PostgreSQL database keeps every hash as it was.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from updeck.models.events import GENESIS, Event, EventKind, Operator, verify_chain
from updeck.storage.errors import StorageError
from updeck.storage.safe_files import read_regular

MAX_EXPORT_BYTES = 1 << 30  # 1 GiB: far above 50,000 events with their outputs


class NotAnExport(StorageError):
    """The file is not an updeck JSON export, or its log does not check."""


def read_export(path: Path) -> list[Event]:
    """The events of the export at ``path``; :class:`NotAnExport` saying what is wrong."""
    try:
        data = orjson.loads(read_regular(path, limit=MAX_EXPORT_BYTES))
    except OSError as exc:
        raise NotAnExport(f"cannot read {path}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise NotAnExport(f"{path} is not JSON ({exc}); restore takes the file written by "
                          "'updeck export PROJECT --format json'") from None
    return events_of_export(data, str(path))


def events_of_export(data: Any, name: str = "the export") -> list[Event]:
    if not isinstance(data, dict) or not isinstance(data.get("log"), list):
        raise NotAnExport(f"{name} has no status log ('log'); restore takes the file written "
                          "by 'updeck export PROJECT --format json'")
    events: list[Event] = []
    prev = GENESIS
    for entry in data["log"]:
        try:
            by = Operator(str(entry["by"]), str(entry.get("host") or ""),
                          str(entry.get("ssh_client") or ""), str(entry.get("login") or ""))
            event = Event(seq=int(entry["seq"]), at=datetime.fromisoformat(entry["at"]), by=by,
                          kind=EventKind(entry["kind"]), item=entry.get("item"),
                          payload=entry.get("payload") or {}, prev=prev, hash=str(entry["hash"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise NotAnExport(f"{name}: log entry {len(events) + 1} is incomplete ({exc})") from None
        events.append(event)
        prev = event.hash
    if not events:
        raise NotAnExport(f"{name} holds an empty status log")
    broken = verify_chain(events)
    if broken is not None:
        raise NotAnExport(f"{name}: the status log does not check ({broken}); nothing was "
                          "restored")
    return events
