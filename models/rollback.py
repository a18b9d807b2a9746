"""Rollback as a mode of the project, and the point of no return.

Starting a rollback (a reason is required) freezes forward work: no move that advances
an execute or monitor item is accepted until the rollback is finished or cancelled. Its
steps are the ``rollback`` texts of the done items, newest first, fixed when it starts;
each is started, done, failed (reason) or skipped (reason) in that order, with actual
times. Finishing needs every step done or skipped; cancelling (reason) returns to forward
work. Passing a point-of-no-return item (starting it) needs an explicit confirmation and
is refused during a rollback; after it a rollback cannot start.

The deciders here return drafts ``(kind, item, payload)`` (or a :class:`Refusal`); the
engine seals them into the hash-chained log. The appliers change a state in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from updeck.models.commands import (
    CancelRollback,
    Command,
    DecideApproval,
    FinishRollback,
    ItemAction,
    MoveItem,
    Refusal,
    RollbackStepAction,
    StartRollback,
)
from updeck.models.durations import format_duration
from updeck.models.events import Event, EventKind, Operator
from updeck.models.state import ItemStatus, ProjectState, RollbackPlan, RollbackStep
from updeck.models.template import ItemSpec

S = ItemStatus
_NOBODY = Operator("?")
Draft = tuple[EventKind, str | None, dict[str, Any]]
Drafts = list[Draft] | Refusal

# Phases whose items are forward cutover work (frozen during a rollback).
FORWARD_PHASES: frozenset[str] = frozenset({"execute", "monitor"})
# Item moves that advance an item (towards done); the others record what happened.
ADVANCING: frozenset[ItemAction] = frozenset({ItemAction.START, ItemAction.DONE, ItemAction.SKIP,
                                              ItemAction.UNBLOCK})
_MOVE_VERB = {ItemAction.START: "start", ItemAction.DONE: "mark done", ItemAction.SKIP: "skip",
              ItemAction.UNBLOCK: "unblock"}
STEP_ACTIONS = ("start", "done", "fail", "skip")
_STEP_FROM: dict[str, frozenset[ItemStatus]] = {
    "start": frozenset({S.TODO, S.FAILED}),
    "done": frozenset({S.TODO, S.IN_PROGRESS}),
    "fail": frozenset({S.TODO, S.IN_PROGRESS}),
    "skip": frozenset({S.TODO, S.IN_PROGRESS, S.FAILED}),
}
_STEP_TO: dict[str, ItemStatus] = {"start": S.IN_PROGRESS, "done": S.DONE, "fail": S.FAILED,
                                    "skip": S.SKIPPED}
STEP_EVENT: dict[str, EventKind] = {
    "start": EventKind.ROLLBACK_STEP_STARTED, "done": EventKind.ROLLBACK_STEP_DONE,
    "fail": EventKind.ROLLBACK_STEP_FAILED, "skip": EventKind.ROLLBACK_STEP_SKIPPED,
}
_EVENT_STEP = {kind: action for action, kind in STEP_EVENT.items()}


def hhmm(moment: datetime | None) -> str:
    return moment.strftime("%H:%M") if moment is not None else "?"


# --- the backout plan -----------------------------------------------------------------

# Per project (keyed by the identity of its specs, which never change and are shared by
# every state of the project; the entry keeps them alive, so the id cannot be reused).
_CACHE_SIZE = 64
_UNDOABLE: dict[int, tuple[Mapping[str, ItemSpec], tuple[str, ...]]] = {}


def backout_steps(state: ProjectState) -> list[RollbackStep]:
    """The rollback steps of done items, newest first: the backout plan."""
    specs = state.specs
    cached = _UNDOABLE.get(id(specs))
    if cached is not None and cached[0] is specs:
        undoable = cached[1]
    else:  # once per project: the items that have a rollback
        undoable = tuple(item_id for item_id, spec in specs.items() if spec.rollback)
        if len(_UNDOABLE) >= _CACHE_SIZE:
            _UNDOABLE.pop(next(iter(_UNDOABLE)))
        _UNDOABLE[id(specs)] = (specs, undoable)
    items = state.items
    done = [(run.finished_seq, item_id) for item_id in undoable if (run := items[item_id]).status is S.DONE]
    # Newest first, in log order: the sequence number of the event that closed the item
    # (not its last_seq, which a later verification or note would move).
    done.sort(reverse=True)
    return [RollbackStep(item_id, specs[item_id].rollback, specs[item_id].rollback_estimate)
            for _, item_id in done]


def step_remaining(step: RollbackStep, now: datetime) -> float:
    """Seconds of work left in one step (a failed step is done again in full)."""
    if step.status in (S.DONE, S.SKIPPED):
        return 0.0
    estimate = float(step.estimate or 0)
    if step.status is S.IN_PROGRESS and step.started_at is not None:
        return max(0.0, estimate - (now - step.started_at).total_seconds())
    return estimate


@dataclass(frozen=True, slots=True)
class BackoutForecast:
    """Where a rollback in progress stands: what is left and when it finishes."""

    remaining: float  # seconds
    finish: datetime
    window_end: datetime | None
    margin: float | None  # window end - finish, seconds
    next_step: str | None  # the step to work on now (running, failed or first todo)


def backout_forecast(plan: RollbackPlan, now: datetime, window_end: datetime | None) -> BackoutForecast:
    remaining = sum(step_remaining(step, now) for step in plan.steps)
    finish = now + timedelta(seconds=remaining)
    margin = (window_end - finish).total_seconds() if window_end is not None else None
    return BackoutForecast(remaining, finish, window_end, margin, current_step(plan))


def current_step(plan: RollbackPlan) -> str | None:
    """The first step that is neither done nor skipped: the one to work on."""
    for step in plan.steps:
        if step.status not in (S.DONE, S.SKIPPED):
            return step.item
    return None


def rollback_state(state: ProjectState) -> str:
    """``none``, ``in_progress``, ``finished`` or ``cancelled``."""
    return "none" if state.rollback is None else state.rollback.state


# --- rules that guard forward work ------------------------------------------------------

def frozen_by_rollback(state: ProjectState, what: str = "move forward") -> Refusal | None:
    """The refusal every forward move gets while a rollback is in progress."""
    plan = state.rollback
    if plan is None or not plan.active:
        return None
    return Refusal(f"cannot {what}: rollback in progress since {hhmm(plan.started_at)} by "
                   f"{plan.by}; forward work is frozen until the rollback is finished or cancelled")


def move_refusal(state: ProjectState, command: Command) -> Refusal | None:
    """A forward move during a rollback is refused (checked before the other rules)."""
    if isinstance(command, MoveItem):
        advancing = command.action in ADVANCING
        item = command.item
        what = f"{_MOVE_VERB.get(command.action, str(command.action))} {item}"
    elif isinstance(command, DecideApproval):
        advancing = command.go
        item = command.item
        what = f"say go on {item}"
    else:
        return None
    spec = state.specs.get(item)
    if spec is None or not advancing:
        return None
    if spec.phase in FORWARD_PHASES or spec.point_of_no_return:
        return frozen_by_rollback(state, what)
    return None


def passes_point_of_no_return(state: ProjectState, command: Command) -> bool:
    """Whether the command would start a point-of-no-return item (pass it)."""
    if isinstance(command, MoveItem):
        moving = command.action in (ItemAction.START, ItemAction.DONE)
    elif isinstance(command, DecideApproval):
        moving = command.go
    else:
        return False
    spec = state.specs.get(command.item)
    return bool(spec is not None and spec.point_of_no_return and moving
                and state.items[command.item].started_at is None)


def point_of_no_return_refusal(state: ProjectState, command: Command) -> Refusal | None:
    """Passing a point of no return needs ``confirm_ponr`` in the command (checked last,
    once every other rule agreed to the move)."""
    if not passes_point_of_no_return(state, command):
        return None
    if getattr(command, "confirm_ponr", False):
        return None
    steps = backout_steps(state)
    total = sum(step.estimate or 0 for step in steps)
    item = getattr(command, "item", "")
    lost = (f"the backout ({len(steps)} steps, about {format_duration(total)}) can no longer be run"
            if steps else "a rollback can no longer be started")
    return Refusal(f"{item} is the point of no return: starting it means {lost}; "
                   f"confirm explicitly (CLI: --confirm-ponr; dashboard: type {item})")


# --- deciders ---------------------------------------------------------------------------

def decide_start(state: ProjectState, command: Command) -> Drafts:
    assert isinstance(command, StartRollback)
    reason = command.reason.strip()
    if not reason:
        return Refusal("cannot start rollback without a reason; say why")
    plan = state.rollback
    if plan is not None and plan.active:
        return Refusal(f"rollback already in progress since {hhmm(plan.started_at)} by {plan.by}")
    passed = [spec.id for spec in state.specs.values()
              if spec.point_of_no_return and state.items[spec.id].started_at is not None]
    if passed:
        return Refusal(f"cannot roll back: the point of no return ({', '.join(passed)}) was "
                       f"passed at {hhmm(state.point_of_no_return_at())}; fix forward instead")
    steps = backout_steps(state)
    total = sum(s.estimate or 0 for s in steps)
    return [(EventKind.ROLLBACK_STARTED, None, {
        "reason": reason,
        "steps": [{"item": s.item, "text": s.text, "estimate": s.estimate} for s in steps],
        "total_estimate": total,
        "summary": f"{len(steps)} backout steps, about {format_duration(total)}",
    })]


def _active(state: ProjectState, verb: str) -> RollbackPlan | Refusal:
    plan = state.rollback
    if plan is None:
        return Refusal(f"cannot {verb}: no rollback was started ('updeck rollback PROJECT start')")
    if not plan.active:
        return Refusal(f"cannot {verb}: the rollback was {plan.state} at {hhmm(plan.ended_at)} "
                       f"by {plan.ended_by}")
    return plan


def decide_step(state: ProjectState, command: Command) -> Drafts:
    assert isinstance(command, RollbackStepAction)
    action, item = command.action, command.item
    if action not in _STEP_FROM:
        return Refusal(f"unknown step action {action!r} (one of: {', '.join(STEP_ACTIONS)})")
    plan = _active(state, f"{action} a rollback step")
    if isinstance(plan, Refusal):
        return plan
    index = next((i for i, s in enumerate(plan.steps) if s.item == item), None)
    if index is None:
        known = ", ".join(s.item for s in plan.steps) or "none"
        return Refusal(f"{item!r} is not a step of this rollback (steps: {known})", not_found=True)
    step = plan.steps[index]
    if step.status not in _STEP_FROM[action]:
        return Refusal(f"cannot {action} rollback step {item}: it is {step.status.value}")
    reason = command.note.strip()
    if action in ("fail", "skip") and not reason:
        return Refusal(f"cannot {action} rollback step {item} without a reason; say why")
    if action in ("start", "done"):
        waiting = [s.item for s in plan.steps[:index] if s.status not in (S.DONE, S.SKIPPED)]
        if waiting:
            return Refusal(f"cannot {action} rollback step {item}: the steps before it come first "
                           f"(newest first): {', '.join(waiting)}; do or skip them first")
    payload: dict[str, Any] = {"reason": reason} if reason else {}
    return [(STEP_EVENT[action], item, payload)]


def decide_finish(state: ProjectState, command: Command) -> Drafts:
    assert isinstance(command, FinishRollback)
    plan = _active(state, "finish the rollback")
    if isinstance(plan, Refusal):
        return plan
    open_steps = [f"{s.item} ({s.status.value})" for s in plan.steps
                  if s.status not in (S.DONE, S.SKIPPED)]
    if open_steps:
        return Refusal("cannot finish the rollback: every step must be done or skipped; open: "
                       + ", ".join(open_steps))
    return [(EventKind.ROLLBACK_FINISHED, None, {"note": command.note.strip()})]


def decide_cancel(state: ProjectState, command: Command) -> Drafts:
    assert isinstance(command, CancelRollback)
    reason = command.reason.strip()
    if not reason:
        return Refusal("cannot cancel the rollback without a reason; say why")
    plan = _active(state, "cancel the rollback")
    if isinstance(plan, Refusal):
        return plan
    return [(EventKind.ROLLBACK_CANCELLED, None, {"reason": reason})]


DECIDERS = {
    StartRollback: decide_start,
    RollbackStepAction: decide_step,
    FinishRollback: decide_finish,
    CancelRollback: decide_cancel,
}


# --- appliers ---------------------------------------------------------------------------

def apply_started(state: ProjectState, event: Event) -> None:
    steps = tuple(
        RollbackStep(item=str(s["item"]), text=str(s["text"]), estimate=s.get("estimate"))
        for s in event.payload.get("steps", ())
    )
    state.rollback = RollbackPlan(steps=steps, started_at=event.at, by=event.by.user,
                                  reason=str(event.payload.get("reason", "")))


def apply_step(state: ProjectState, event: Event) -> None:
    plan = state.rollback
    if plan is None:  # pragma: no cover - the engine never decides it
        raise ValueError(f"event #{event.seq}: a rollback step without a rollback")
    action = _EVENT_STEP[event.kind]
    reason = str(event.payload.get("reason", ""))
    steps = list(plan.steps)
    for i, step in enumerate(steps):
        if step.item != event.item:
            continue
        if action == "start":
            steps[i] = replace(step, status=S.IN_PROGRESS, started_at=event.at, finished_at=None,
                               reason="", by=event.by.user)
        else:
            steps[i] = replace(step, status=_STEP_TO[action], started_at=step.started_at or
                               (event.at if action == "done" else None), finished_at=event.at,
                               reason=reason, by=event.by.user)
    state.rollback = replace(plan, steps=tuple(steps))


def apply_ended(state: ProjectState, event: Event) -> None:
    plan = state.rollback
    if plan is None:  # pragma: no cover - the engine never decides it
        raise ValueError(f"event #{event.seq}: a rollback ended without a rollback")
    finished = event.kind is EventKind.ROLLBACK_FINISHED
    note = str(event.payload.get("note" if finished else "reason", ""))
    state.rollback = replace(plan, state="finished" if finished else "cancelled",
                             ended_at=event.at, ended_by=event.by.user, end_note=note)


APPLIERS = {
    EventKind.ROLLBACK_STARTED: apply_started,
    EventKind.ROLLBACK_STEP_STARTED: apply_step,
    EventKind.ROLLBACK_STEP_DONE: apply_step,
    EventKind.ROLLBACK_STEP_FAILED: apply_step,
    EventKind.ROLLBACK_STEP_SKIPPED: apply_step,
    EventKind.ROLLBACK_FINISHED: apply_ended,
    EventKind.ROLLBACK_CANCELLED: apply_ended,
}


_STEP_WORD = {EventKind.ROLLBACK_STEP_STARTED: "rollback step started",
              EventKind.ROLLBACK_STEP_DONE: "rollback step done",
              EventKind.ROLLBACK_STEP_FAILED: "rollback step FAILED",
              EventKind.ROLLBACK_STEP_SKIPPED: "rollback step skipped",
              EventKind.ROLLBACK_FINISHED: "rollback finished",
              EventKind.ROLLBACK_CANCELLED: "rollback cancelled (back to forward work)"}


def event_text(event: Event) -> str | None:
    """The log line of a rollback step, finish or cancel event (None for other kinds)."""
    word = _STEP_WORD.get(event.kind)
    if word is None:
        return None
    why = str(event.payload.get("reason") or event.payload.get("note") or "")
    return word + (f": {why}" if why else "")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def rollback_data(state: ProjectState, now: datetime, window_end: datetime | None) -> dict[str, Any]:
    """The rollback as plain data: ``updeck rollback status --json``, the report, status.

    ``state`` is ``none|in_progress|finished|cancelled``; ``steps`` (newest item first) carry
    ``item, title, text, status, estimate, started_at, finished_at, reason, by``;
    ``finish_forecast`` is when the backout finishes at the current pace (in progress only).
    """
    plan = state.rollback
    can = None if plan is not None and plan.active else \
        decide_start(state, StartRollback(reason="?", by=_NOBODY, at=now))
    startable = {"can_start": can is not None and not isinstance(can, Refusal),
                 "refused": can.reason if isinstance(can, Refusal) else None}
    if plan is None:
        return {"state": "none", "steps": [], "finish_forecast": None, "remaining": None,
                "window_end": _iso(window_end), "margin": None, "next_step": None,
                "started_at": None, "started_by": None, "reason": None, "ended_at": None,
                "ended_by": None, "end_note": None, **startable}
    forecast = backout_forecast(plan, now, window_end) if plan.active else None
    specs = state.specs
    return {
        "state": plan.state,
        "steps": [{"item": s.item, "title": specs[s.item].title if s.item in specs else s.item,
                   "text": s.text, "status": s.status.value, "estimate": s.estimate,
                   "started_at": _iso(s.started_at), "finished_at": _iso(s.finished_at),
                   "reason": s.reason or None, "by": s.by or None} for s in plan.steps],
        "finish_forecast": _iso(forecast.finish) if forecast else None,
        "remaining": round(forecast.remaining) if forecast else None,
        "window_end": _iso(window_end),
        "margin": round(forecast.margin) if forecast and forecast.margin is not None else None,
        "next_step": forecast.next_step if forecast else None,
        "started_at": _iso(plan.started_at), "started_by": plan.by, "reason": plan.reason,
        "ended_at": _iso(plan.ended_at), "ended_by": plan.ended_by or None,
        "end_note": plan.end_note or None, **startable,
    }
