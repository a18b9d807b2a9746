"""The status log: immutable, hash-chained events.

Every change to a project is an :class:`Event`. Each event carries the SHA-256 of the
event before it (``prev``) and its own (``hash``, over every other field), so a changed,
removed or reordered event breaks the chain and :func:`verify_chain` names it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

GENESIS = "0" * 64


class EventKind(StrEnum):
    PROJECT_CREATED = "project_created"
    ITEM_STARTED = "item_started"
    ITEM_DONE = "item_done"
    ITEM_FAILED = "item_failed"
    ITEM_SKIPPED = "item_skipped"
    ITEM_BLOCKED = "item_blocked"
    ITEM_UNBLOCKED = "item_unblocked"
    ITEM_REOPENED = "item_reopened"
    APPROVAL_DECIDED = "approval_decided"
    NOTE = "note"
    WINDOW_PLANNED = "window_planned"
    WINDOW_OPENED = "window_opened"
    WINDOW_CLOSED = "window_closed"
    VERIFICATION_RECORDED = "verification_recorded"
    ROLLBACK_STARTED = "rollback_started"
    ROLLBACK_STEP_STARTED = "rollback_step_started"
    ROLLBACK_STEP_DONE = "rollback_step_done"
    ROLLBACK_STEP_FAILED = "rollback_step_failed"
    ROLLBACK_STEP_SKIPPED = "rollback_step_skipped"
    ROLLBACK_FINISHED = "rollback_finished"
    ROLLBACK_CANCELLED = "rollback_cancelled"
    METRIC_RECORDED = "metric_recorded"
    COST_RECORDED = "cost_recorded"
    TEAM_CHANGED = "team_changed"
    NOTIFY_RULE_ADDED = "notify_rule_added"
    NOTIFY_RULE_REMOVED = "notify_rule_removed"
    NOTIFY_DELIVERED = "notify_delivered"
    NOTIFY_FAILED = "notify_failed"


@dataclass(frozen=True, slots=True)
class Operator:
    """Who acted: the acting name (the login, or ``--as``), the host, the SSH client if
    any, and the real login of the process (empty in logs written before it was kept)."""

    user: str
    host: str = ""
    ssh_client: str = ""
    login: str = ""

    @property
    def person(self) -> str:
        """The person behind the action: the login when known, else the acting name."""
        return self.login or self.user

    @property
    def acting_as(self) -> bool:
        """True when someone acted under another name (``--as``)."""
        return bool(self.login) and self.login != self.user

    def who(self) -> str:
        """``alice``, or ``bob (as alice)`` when bob acted as alice."""
        return f"{self.login} (as {self.user})" if self.acting_as else self.user

    def label(self) -> str:
        text = self.who()
        if self.host:
            text += f"@{self.host}"
        if self.ssh_client:
            text += f" (ssh from {self.ssh_client})"
        return text

    def to_dict(self) -> dict[str, str]:
        data = {"user": self.user, "host": self.host, "ssh_client": self.ssh_client}
        if self.login:  # absent in older events: their hashes must stay what they were
            data["login"] = self.login
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Operator:
        return cls(str(data.get("user", "")), str(data.get("host", "")),
                   str(data.get("ssh_client", "")), str(data.get("login", "")))


def utc_now() -> datetime:
    return datetime.now(UTC)


def _canonical(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    at: datetime
    by: Operator
    kind: EventKind
    item: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    prev: str = GENESIS
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """Every field but ``hash``, as plain data."""
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "by": self.by.to_dict(),
            "kind": str(self.kind),
            "item": self.item,
            "payload": dict(self.payload),
            "prev": self.prev,
        }

    def to_dict(self) -> dict[str, Any]:
        data = self.body()
        data["hash"] = self.hash
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        return cls(
            seq=int(data["seq"]),
            at=datetime.fromisoformat(data["at"]),
            by=Operator.from_dict(data["by"]),
            kind=EventKind(data["kind"]),
            item=data.get("item"),
            payload=data.get("payload") or {},
            prev=data.get("prev", GENESIS),
            hash=data.get("hash", ""),
        )

    def computed_hash(self) -> str:
        return hashlib.sha256(_canonical(self.body())).hexdigest()


def make_event(
    seq: int,
    at: datetime,
    by: Operator,
    kind: EventKind,
    item: str | None = None,
    payload: Mapping[str, Any] | None = None,
    prev: str = GENESIS,
) -> Event:
    """A sealed event: its ``hash`` computed over all its other fields."""
    if at.tzinfo is None:
        raise ValueError("event times must be timezone-aware (UTC)")
    draft = Event(seq, at.astimezone(UTC), by, kind, item, dict(payload or {}), prev)
    return Event(draft.seq, draft.at, draft.by, draft.kind, draft.item, draft.payload,
                 draft.prev, draft.computed_hash())


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where the status log stops being trustworthy, and why."""

    index: int  # position in the list checked
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = f"event #{self.seq}" if self.seq is not None else f"entry {self.index + 1}"
        return f"{where}: {self.reason}"


def verify_chain(events: Iterable[Event]) -> ChainBreak | None:
    """None when the chain is intact; else the first bad event and why."""
    prev = GENESIS
    expected_seq = 1
    for index, event in enumerate(events):
        if event.seq != expected_seq:
            return ChainBreak(index, event.seq,
                              f"sequence number {event.seq}, expected {expected_seq} "
                              "(an event was removed, added or moved)")
        if event.prev != prev:
            return ChainBreak(index, event.seq,
                              "does not follow the event before it (previous hash differs)")
        if event.computed_hash() != event.hash:
            return ChainBreak(index, event.seq, "content was changed after it was written")
        prev = event.hash
        expected_seq += 1
    return None
