"""The checklist engine: ``decide(state, command) -> events | refusal``, and ``submit``.

``decide`` reads the state, checks the rules (:mod:`updeck.models.transitions`) and
returns sealed events (sequence number and hash chain continue the state's), or a
:class:`Refusal` whose reason a person can act on. State is the fold of events
(:mod:`updeck.models.fold`, whose ``apply`` and ``fold`` are re-exported here).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from updeck.models import authority, notify_log, rollback
from updeck.models.commands import (
    AddNote,
    ChangeTeam,
    CloseWindow,
    Command,
    CreateProject,
    DecideApproval,
    ItemAction,
    MoveItem,
    OpenWindow,
    PlanWindow,
    RecordCost,
    RecordMetric,
    RecordVerification,
    Refusal,
)
from updeck.models.events import GENESIS, Event, EventKind, make_event
from updeck.models.fold import apply, fold, initial_state
from updeck.models.project import (
    Window,
    project_to_dict,
    window_to_dict,
)
from updeck.models.rollback import backout_steps
from updeck.models.rollups import metric_not_met, reading_problem
from updeck.models.state import (
    CLOSED,
    ItemStatus,
    ProjectState,
)
from updeck.models.transitions import (
    ACTION_EVENT,
    ACTION_VERB,
    EVENT_STATUS,
    NEEDS_READY,
    NEEDS_REASON,
    TRANSITIONS,
)
from updeck.models.verify_verdict import NOT_RUN, judge_run

__all__ = ["ACTION_EVENT", "EVENT_STATUS", "NEEDS_READY", "NEEDS_REASON", "TRANSITIONS", "Result",
           "apply", "backout_steps", "decide", "fold", "initial_state", "submit"]

S = ItemStatus
A = ItemAction

Result = list[Event] | Refusal


# --- decide -----------------------------------------------------------------------

class _Emitter:
    """Seals events one after another, continuing the state's chain."""

    def __init__(self, state: ProjectState | None, command: Command) -> None:
        self.seq = state.seq if state else 0
        self.prev = state.last_hash if state else GENESIS
        self.command = command
        self.events: list[Event] = []

    def emit(self, kind: EventKind, item: str | None = None,
             payload: dict[str, Any] | None = None) -> None:
        self.seq += 1
        event = make_event(self.seq, self.command.at, self.command.by, kind, item, payload,
                           self.prev)
        self.prev = event.hash
        self.events.append(event)


def decide(state: ProjectState | None, command: Command) -> Result:
    """The events a command implies, or a refusal that says why not."""
    if isinstance(command, CreateProject):
        if state is not None:
            return Refusal(f"project {state.id} already exists")
        out = _Emitter(None, command)
        out.emit(EventKind.PROJECT_CREATED, None, {"project": project_to_dict(command.project)})
        return out.events
    if state is None:
        return Refusal("no such project", not_found=True)
    handler = _DECIDE.get(type(command))
    if handler is None:
        return Refusal(f"unknown command {type(command).__name__}")
    if (refused := authority.check_command(state, command)) is not None:
        return refused
    return handler(state, command)


def _unknown_item(state: ProjectState, item_id: str) -> Refusal | None:
    if item_id in state.specs:
        return None
    return Refusal(f"no item {item_id!r} in project {state.id}", not_found=True)


def _decide_move(state: ProjectState, command: Command) -> Result:
    assert isinstance(command, MoveItem)
    item_id, action = command.item, command.action
    if (missing := _unknown_item(state, item_id)) is not None:
        return missing
    if (frozen := rollback.move_refusal(state, command)) is not None:
        return frozen
    spec = state.specs[item_id]
    run = state.items[item_id]
    target = TRANSITIONS.get((action, run.status))
    if target is None:
        legal = sorted(a.value for (a, s) in TRANSITIONS if s is run.status)
        return Refusal(f"cannot {ACTION_VERB[action]} {item_id}: it is {run.status.value}"
                       + (f" (possible: {', '.join(legal)})" if legal else ""))
    reason = command.reason.strip()
    if action in NEEDS_REASON and not reason:
        return Refusal(f"cannot {ACTION_VERB[action]} {item_id} without a reason; say why")
    if (action is A.DONE and spec.kind == "metric" and not reason
            and (why := metric_not_met(spec, run)) is not None):
        return Refusal(why)
    if spec.is_approval and action in (A.START, A.DONE):
        approvers = ", ".join(spec.approvers)
        return Refusal(f"{item_id} is an approval: it is done when every approver "
                       f"({approvers}) says go")
    if spec.is_approval and action is A.SKIP and (
            spec.required or any(not d.go for d in run.decisions)):
        why = ("a no-go was given" if any(not d.go for d in run.decisions)
               else "it is a required go/no-go")
        return Refusal(f"cannot skip {item_id}: {why}; only its approvers decide it "
                       "(reopen it to decide again)")
    if action in NEEDS_READY:
        waiting = state.open_dependencies(item_id)
        if waiting:
            return Refusal(f"cannot {ACTION_VERB[action]} {item_id}: waiting for "
                           + ", ".join(f"{d} ({state.items[d].status.value})" for d in waiting))
    if (ponr := rollback.point_of_no_return_refusal(state, command)) is not None:
        return ponr
    out = _Emitter(state, command)
    payload: dict[str, Any] = {"reason": reason} if reason else {}
    if action is A.UNBLOCK:
        back = run.held_status or S.TODO
        if back is S.IN_PROGRESS and state.open_dependencies(item_id):
            back = S.TODO  # a dependency was reopened while it was blocked: start again later
        payload["to"] = back.value
    out.emit(ACTION_EVENT[action], item_id, payload)
    return out.events


def _decide_approval(state: ProjectState, command: Command) -> Result:
    assert isinstance(command, DecideApproval)
    item_id = command.item
    if (missing := _unknown_item(state, item_id)) is not None:
        return missing
    if (frozen := rollback.move_refusal(state, command)) is not None:
        return frozen
    spec = state.specs[item_id]
    run = state.items[item_id]
    if not spec.is_approval:
        return Refusal(f"{item_id} is not an approval item (kind: {spec.kind})")
    if run.status in CLOSED or run.status is S.FAILED:
        return Refusal(f"{item_id} is already decided ({run.status.value}); "
                       "reopen it to decide again")
    if run.status is S.BLOCKED:
        return Refusal(f"{item_id} is blocked: {run.reason}")
    approver = authority.approver_for(state, spec, command)
    if isinstance(approver, Refusal):
        return approver
    if approver not in spec.approvers:
        return Refusal(f"{approver} is not an approver of {item_id} "
                       f"(approvers: {', '.join(spec.approvers)})")
    waiting = state.open_dependencies(item_id)
    if command.go and waiting:
        return Refusal(f"cannot say go on {item_id}: waiting for "
                       + ", ".join(f"{d} ({state.items[d].status.value})" for d in waiting))
    if (refused := authority.check_decision(state, spec, run, approver, command)) is not None:
        return refused
    if (ponr := rollback.point_of_no_return_refusal(state, command)) is not None:
        return ponr
    out = _Emitter(state, command)
    note = command.note.strip()
    payload: dict[str, Any] = {"approver": approver, "go": command.go, "note": note}
    if command.change and any(d.approver == approver for d in run.decisions):
        payload["change"] = True
    out.emit(EventKind.APPROVAL_DECIDED, item_id, payload)
    if not command.go:
        reason = f"no-go by {approver}" + (f": {note}" if note else "")
        out.emit(EventKind.ITEM_FAILED, item_id, {"reason": reason})
    else:
        said_go = {d.approver for d in run.decisions if d.go} | {approver}
        if all(a in said_go for a in spec.approvers):
            out.emit(EventKind.ITEM_DONE, item_id,
                     {"reason": "go from " + ", ".join(spec.approvers)})
    return out.events


def _decide_note(state: ProjectState, command: Command) -> Result:
    assert isinstance(command, AddNote)
    text = command.text.strip()
    if not text:
        return Refusal("a note needs some text")
    if command.item is not None and (missing := _unknown_item(state, command.item)):
        return missing
    out = _Emitter(state, command)
    out.emit(EventKind.NOTE, command.item,
             {"text": text, "lesson": True} if command.lesson else {"text": text})
    return out.events


def _decide_plan_window(state: ProjectState, command: Command) -> Result:
    assert isinstance(command, PlanWindow)
    start, end = command.window.start, command.window.end
    if start is None:
        return Refusal("a planned window needs a start")
    if end is None:
        duration = state.project.template.window_duration
        if not duration:
            return Refusal("give the window an end (the template sets no default duration)")
        end = start + timedelta(seconds=duration)
    window = Window(start, end)
    if end <= start:
        return Refusal("the window must end after it starts")
    out = _Emitter(state, command)
    out.emit(EventKind.WINDOW_PLANNED, None, {"window": window_to_dict(window)})
    return out.events


def _decide_open_window(state: ProjectState, command: Command) -> Result:
    if state.opened_at is not None and state.closed_at is None:
        return Refusal(f"the window is already open (since {_hhmm(state.opened_at)})")
    out = _Emitter(state, command)
    out.emit(EventKind.WINDOW_OPENED)
    return out.events


def _decide_close_window(state: ProjectState, command: Command) -> Result:
    if state.opened_at is None or state.closed_at is not None:
        return Refusal("the window is not open")
    out = _Emitter(state, command)
    out.emit(EventKind.WINDOW_CLOSED)
    return out.events


def _decide_verification(state: ProjectState, command: Command) -> Result:
    assert isinstance(command, RecordVerification)
    if (missing := _unknown_item(state, command.item)) is not None:
        return missing
    spec = state.specs[command.item]
    failure = command.failure
    if failure is None:
        failure = judge_run(command.exit_code, command.output_tail, spec.expect_exit, spec.expect_output)
    if command.exit_code in NOT_RUN:
        failure = NOT_RUN[command.exit_code]  # the shell could not run it: never a pass
    out = _Emitter(state, command)
    out.emit(EventKind.VERIFICATION_RECORDED, command.item, {
        "command": command.command, "exit_code": command.exit_code,
        "output_tail": command.output_tail[-4096:], "duration": round(command.duration, 3),
        "host": command.host, "failure": failure,
    })
    return out.events


def _decide_metric(state: ProjectState, command: Command) -> Result:
    assert isinstance(command, RecordMetric)
    if (missing := _unknown_item(state, command.item)) is not None:
        return missing
    spec = state.specs[command.item]
    if spec.kind != "metric":
        return Refusal(f"{command.item} is not a metric item (kind: {spec.kind}); "
                       "readings go on items of kind metric")
    if not command.value.strip():
        return Refusal("a metric reading needs a value")
    if (bad := reading_problem(spec, command.value)) is not None:
        return Refusal(bad)
    out = _Emitter(state, command)
    out.emit(EventKind.METRIC_RECORDED, command.item,
             {"value": command.value.strip(), "note": command.note.strip()})
    return out.events


def _decide_cost(state: ProjectState, command: Command) -> Result:
    assert isinstance(command, RecordCost)
    if (missing := _unknown_item(state, command.item)) is not None:
        return missing
    if command.amount != command.amount or command.amount in (float("inf"), float("-inf")):
        return Refusal("a cost must be a finite number")
    out = _Emitter(state, command)
    out.emit(EventKind.COST_RECORDED, command.item,
             {"amount": command.amount, "note": command.note.strip()})
    return out.events


def _decide_team(state: ProjectState, command: Command) -> Result:
    assert isinstance(command, ChangeTeam)
    if (refused := authority.team_change_refusal(state, command)) is not None:
        return refused
    out = _Emitter(state, command)
    out.emit(EventKind.TEAM_CHANGED, None, {"action": "add" if command.add else "remove",
                                            "user": command.user, "role": command.role})
    return out.events


def _hhmm(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _drafted(draft: Callable[[ProjectState, Command], rollback.Drafts]
             ) -> Callable[[ProjectState, Command], Result]:
    """A decider that seals the drafts of a rollback decider into events."""
    def sealed(state: ProjectState, command: Command) -> Result:
        drafts = draft(state, command)
        if isinstance(drafts, Refusal):
            return drafts
        out = _Emitter(state, command)
        for kind, item, payload in drafts:
            out.emit(kind, item, payload)
        return out.events
    return sealed


_DECIDE: dict[type[Command], Callable[[ProjectState, Command], Result]] = {
    MoveItem: _decide_move,
    DecideApproval: _decide_approval,
    AddNote: _decide_note,
    PlanWindow: _decide_plan_window,
    OpenWindow: _decide_open_window,
    CloseWindow: _decide_close_window,
    RecordVerification: _decide_verification,
    **{kind: _drafted(fn) for kind, fn in rollback.DECIDERS.items()},
    RecordMetric: _decide_metric,
    RecordCost: _decide_cost,
    ChangeTeam: _decide_team,
    **{kind: _drafted(fn) for kind, fn in notify_log.DECIDERS.items()},
}


def submit(state: ProjectState | None, command: Command) -> tuple[ProjectState | None, Result]:
    """decide, then apply what was decided: the new state and the result."""
    result = decide(state, command)
    if isinstance(result, Refusal):
        return state, result
    for event in result:
        state = apply(state, event)
    return state, result
