"""The rules of an item's moves: which action may go from which status to which, what
needs a reason or finished dependencies, and the event each action writes."""

from __future__ import annotations

from updeck.models.commands import ItemAction
from updeck.models.events import EventKind
from updeck.models.state import ItemStatus

S = ItemStatus
A = ItemAction

# The legal moves: (action, from) -> to. UNBLOCK goes back to the status it interrupted.
TRANSITIONS: dict[tuple[ItemAction, ItemStatus], ItemStatus] = {
    (A.START, S.TODO): S.IN_PROGRESS,
    (A.START, S.FAILED): S.IN_PROGRESS,
    (A.DONE, S.TODO): S.DONE,
    (A.DONE, S.IN_PROGRESS): S.DONE,
    (A.FAIL, S.TODO): S.FAILED,
    (A.FAIL, S.IN_PROGRESS): S.FAILED,
    (A.SKIP, S.TODO): S.SKIPPED,
    (A.SKIP, S.IN_PROGRESS): S.SKIPPED,
    (A.SKIP, S.FAILED): S.SKIPPED,
    (A.SKIP, S.BLOCKED): S.SKIPPED,
    (A.BLOCK, S.TODO): S.BLOCKED,
    (A.BLOCK, S.IN_PROGRESS): S.BLOCKED,
    (A.UNBLOCK, S.BLOCKED): S.TODO,
    (A.REOPEN, S.IN_PROGRESS): S.TODO,
    (A.REOPEN, S.DONE): S.TODO,
    (A.REOPEN, S.FAILED): S.TODO,
    (A.REOPEN, S.SKIPPED): S.TODO,
    (A.REOPEN, S.BLOCKED): S.TODO,
}
NEEDS_REASON: frozenset[ItemAction] = frozenset({A.SKIP, A.FAIL, A.BLOCK, A.REOPEN})
NEEDS_READY: frozenset[ItemAction] = frozenset({A.START, A.DONE})
ACTION_EVENT: dict[ItemAction, EventKind] = {
    A.START: EventKind.ITEM_STARTED,
    A.DONE: EventKind.ITEM_DONE,
    A.FAIL: EventKind.ITEM_FAILED,
    A.SKIP: EventKind.ITEM_SKIPPED,
    A.BLOCK: EventKind.ITEM_BLOCKED,
    A.UNBLOCK: EventKind.ITEM_UNBLOCKED,
    A.REOPEN: EventKind.ITEM_REOPENED,
}
EVENT_STATUS: dict[EventKind, ItemStatus] = {
    EventKind.ITEM_STARTED: S.IN_PROGRESS,
    EventKind.ITEM_DONE: S.DONE,
    EventKind.ITEM_FAILED: S.FAILED,
    EventKind.ITEM_SKIPPED: S.SKIPPED,
    EventKind.ITEM_BLOCKED: S.BLOCKED,
    EventKind.ITEM_REOPENED: S.TODO,
}
ACTION_VERB: dict[ItemAction, str] = {
    A.START: "start", A.DONE: "mark done", A.FAIL: "fail", A.SKIP: "skip", A.BLOCK: "block",
    A.UNBLOCK: "unblock", A.REOPEN: "reopen",
}
