"""The fold of the status log: ``apply(state, event)`` and ``fold(events)``; nothing else
changes a :class:`ProjectState`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from updeck.models import authority, notify_log, rollback
from updeck.models.events import Event, EventKind
from updeck.models.project import Project, project_from_dict, window_from_dict
from updeck.models.state import (
    ItemRun,
    ItemStatus,
    MetricReading,
    ProjectState,
    Verification,
)
from updeck.models.template import ItemSpec
from updeck.models.transitions import EVENT_STATUS
from updeck.models.verify_verdict import legacy_failure

S = ItemStatus


def initial_state(project: Project) -> ProjectState:
    """The state of a project before anything happened to it."""
    specs: dict[str, ItemSpec] = {spec.id: spec for spec in project.template.items()}
    dependents: dict[str, list[str]] = {item_id: [] for item_id in specs}
    for spec in specs.values():
        for dep in spec.depends_on:
            dependents.setdefault(dep, []).append(spec.id)
    return ProjectState(
        project=project,
        specs=specs,
        dependents={k: tuple(v) for k, v in dependents.items()},
        items={item_id: ItemRun() for item_id in specs},
        window=project.window,
        team=dict(project.team),
        notify_rules=project.template.notify,
    )


def fold(events: Iterable[Event]) -> ProjectState:
    """The state after every event, in order. The first must create the project."""
    iterator = iter(events)
    first = next(iterator, None)
    if first is None:
        raise ValueError("an empty status log has no project")
    state = _created(first)
    last = first
    handlers = _APPLY
    for event in iterator:  # the hot loop of a replay: bookkeeping is done once, at the end
        handler = handlers.get(event.kind)
        if handler is None:  # pragma: no cover - every kind has a handler
            raise ValueError(f"unknown event kind {event.kind}")
        handler(state, event)
        last = event
    state.seq = last.seq
    state.last_hash = last.hash
    state.updated_at = last.at
    return state


def apply(state: ProjectState | None, event: Event) -> ProjectState:
    """A new state with one more event; the given state is left as it was."""
    if state is None:
        return _created(event)
    new = ProjectState(
        project=state.project, specs=state.specs, dependents=state.dependents,
        items=dict(state.items), window=state.window, opened_at=state.opened_at,
        closed_at=state.closed_at, rollback=state.rollback, seq=state.seq,
        last_hash=state.last_hash, created_at=state.created_at,
        updated_at=state.updated_at, notes=state.notes, extra=dict(state.extra),
        team=state.team, creator=state.creator, notify_rules=state.notify_rules,
    )
    _apply_in_place(new, event)
    return new


def _created(event: Event) -> ProjectState:
    if event.kind is not EventKind.PROJECT_CREATED:
        raise ValueError(f"the first event must create the project, not {event.kind}")
    state = initial_state(project_from_dict(event.payload["project"]))
    state.seq = event.seq
    state.last_hash = event.hash
    state.created_at = state.updated_at = event.at
    state.creator = event.by.person
    return state


def _apply_in_place(state: ProjectState, event: Event) -> None:
    handler = _APPLY.get(event.kind)
    if handler is None:  # pragma: no cover - every kind has a handler
        raise ValueError(f"unknown event kind {event.kind}")
    handler(state, event)
    state.seq = event.seq
    state.last_hash = event.hash
    state.updated_at = event.at


def _apply_move(state: ProjectState, event: Event) -> None:
    # ItemRun is built positionally, once per event: dataclasses.replace is several
    # times slower and folding a long log is dominated by it.
    item_id = event.item or ""
    r = state.items[item_id]
    kind = event.kind
    by = event.by.user
    seq = event.seq
    if kind is EventKind.ITEM_UNBLOCKED:
        # Back to the status the block interrupted, unless the decision said otherwise
        # (an interrupted start whose dependencies were reopened meanwhile goes to todo).
        to = event.payload.get("to")
        status = S(to) if to else (r.held_status or S.TODO)
        started = r.started_at if status is S.IN_PROGRESS else None
        state.items[item_id] = ItemRun(status, started, r.finished_at, "", None, by, r.decisions,
                                       r.verifications, r.metrics, r.actual_cost, seq, r.finished_seq)
        return
    reason = str(event.payload.get("reason", ""))
    if kind is EventKind.ITEM_STARTED:
        state.items[item_id] = ItemRun(S.IN_PROGRESS, event.at, None, "", None, by, r.decisions,
                                       r.verifications, r.metrics, r.actual_cost, seq, r.finished_seq)
    elif kind is EventKind.ITEM_DONE or kind is EventKind.ITEM_FAILED or kind is EventKind.ITEM_SKIPPED:
        started = r.started_at or (event.at if kind is EventKind.ITEM_DONE else None)
        state.items[item_id] = ItemRun(EVENT_STATUS[kind], started, event.at, reason, None, by,
                                       r.decisions, r.verifications, r.metrics, r.actual_cost, seq, seq)
    elif kind is EventKind.ITEM_BLOCKED:
        state.items[item_id] = ItemRun(S.BLOCKED, r.started_at, r.finished_at, reason, r.status, by,
                                       r.decisions, r.verifications, r.metrics, r.actual_cost, seq,
                                       r.finished_seq)
    else:  # reopened
        state.items[item_id] = ItemRun(S.TODO, None, None, reason, None, by, (), r.verifications,
                                       r.metrics, r.actual_cost, seq, 0)


def _apply_decision(state: ProjectState, event: Event) -> None:
    item_id = event.item or ""
    run = state.items[item_id]
    previous = next((d for d in run.decisions if d.approver == event.payload["approver"]), None)
    decision = authority.decision_from_event(event, previous)
    kept = tuple(d for d in run.decisions if d.approver != decision.approver)
    # A go starts the approval; a no-go leaves it as it was (the failure follows it).
    if decision.go and run.status is S.TODO:
        run = replace(run, status=S.IN_PROGRESS, started_at=run.started_at or event.at)
    state.items[item_id] = replace(run, decisions=(*kept, decision), by=event.by.user,
                                   last_seq=event.seq)


def _apply_note(state: ProjectState, event: Event) -> None:
    state.notes += 1


def _apply_window(state: ProjectState, event: Event) -> None:
    if event.kind is EventKind.WINDOW_PLANNED:
        state.window = window_from_dict(event.payload["window"])
    elif event.kind is EventKind.WINDOW_OPENED:
        state.opened_at = event.at
        state.closed_at = None
    else:
        state.closed_at = event.at


def _apply_verification(state: ProjectState, event: Event) -> None:
    item_id = event.item or ""
    run = state.items[item_id]
    p = event.payload
    code = int(p["exit_code"])
    failure = str(p["failure"]) if "failure" in p else legacy_failure(code)
    check = Verification(str(p["command"]), code, str(p.get("output_tail", "")),
                         float(p.get("duration", 0.0)), str(p.get("host", "")), event.by.user, event.at,
                         failure)
    r = run
    state.items[item_id] = ItemRun(r.status, r.started_at, r.finished_at, r.reason, r.held_status, r.by,
                                   r.decisions, (*r.verifications, check), r.metrics, r.actual_cost,
                                   event.seq, r.finished_seq)


def _apply_metric(state: ProjectState, event: Event) -> None:
    item_id = event.item or ""
    run = state.items[item_id]
    reading = MetricReading(value=str(event.payload["value"]), by=event.by.user, at=event.at,
                            note=str(event.payload.get("note", "")))
    state.items[item_id] = replace(run, metrics=(*run.metrics, reading), last_seq=event.seq)


def _apply_cost(state: ProjectState, event: Event) -> None:
    item_id = event.item or ""
    run = state.items[item_id]
    total = (run.actual_cost or 0.0) + float(event.payload["amount"])
    state.items[item_id] = replace(run, actual_cost=total, last_seq=event.seq)


def _apply_created_again(state: ProjectState, event: Event) -> None:
    raise ValueError(f"event #{event.seq}: a project can be created only once")


_APPLY: dict[EventKind, Callable[[ProjectState, Event], None]] = {
    EventKind.PROJECT_CREATED: _apply_created_again,
    EventKind.ITEM_STARTED: _apply_move,
    EventKind.ITEM_DONE: _apply_move,
    EventKind.ITEM_FAILED: _apply_move,
    EventKind.ITEM_SKIPPED: _apply_move,
    EventKind.ITEM_BLOCKED: _apply_move,
    EventKind.ITEM_UNBLOCKED: _apply_move,
    EventKind.ITEM_REOPENED: _apply_move,
    EventKind.APPROVAL_DECIDED: _apply_decision,
    EventKind.NOTE: _apply_note,
    EventKind.WINDOW_PLANNED: _apply_window,
    EventKind.WINDOW_OPENED: _apply_window,
    EventKind.WINDOW_CLOSED: _apply_window,
    EventKind.VERIFICATION_RECORDED: _apply_verification,
    **rollback.APPLIERS,
    EventKind.METRIC_RECORDED: _apply_metric,
    EventKind.COST_RECORDED: _apply_cost,
    EventKind.TEAM_CHANGED: authority.apply_team_change,
    **notify_log.APPLIERS,
}
