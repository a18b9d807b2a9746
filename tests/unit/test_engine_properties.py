"""Property tests: random plans (DAGs of 1-40 items across the phases) and random command
sequences never break the engine's rules, and the log stays replayable and tamper-evident."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from updeck.models.commands import (
    AddNote,
    CancelRollback,
    CloseWindow,
    Command,
    DecideApproval,
    FinishRollback,
    ItemAction,
    MoveItem,
    OpenWindow,
    RecordCost,
    RecordMetric,
    RecordVerification,
    Refusal,
    RollbackStepAction,
    StartRollback,
)
from updeck.models.engine import NEEDS_REASON, TRANSITIONS, apply, fold
from updeck.models.engine import decide as engine_decide
from updeck.models.events import Event, EventKind, Operator, verify_chain
from updeck.models.phases import PHASE_IDS
from updeck.models.schedule import AFTER_WINDOW, compute_schedule
from updeck.models.state import CLOSED, ItemStatus, ProjectState
from updeck.models.template import ItemSpec

from tests.support.engine import T0, Driver

S = ItemStatus
A = ItemAction
PEOPLE = ("alice", "bob", "carol")
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MORE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MOVE_KIND_ACTION: dict[EventKind, ItemAction] = {
    EventKind.ITEM_STARTED: A.START, EventKind.ITEM_DONE: A.DONE, EventKind.ITEM_FAILED: A.FAIL,
    EventKind.ITEM_SKIPPED: A.SKIP, EventKind.ITEM_BLOCKED: A.BLOCK, EventKind.ITEM_UNBLOCKED: A.UNBLOCK,
    EventKind.ITEM_REOPENED: A.REOPEN,
}


@st.composite
def plans(draw: st.DrawFn) -> list[ItemSpec]:
    """1-40 items in random phases; each depends only on earlier ones (a DAG), whatever
    phases they land in. The details come from one drawn Random: many small draws per
    item made generation the slowest part of these tests."""
    n = draw(st.integers(min_value=1, max_value=40))
    rng = draw(st.randoms(use_true_random=False))
    specs: list[ItemSpec] = []
    for i in range(n):
        deps = sorted(rng.sample(range(i), k=min(i, rng.choice((0, 0, 1, 1, 2, 3)))))
        approval = rng.random() < 0.12
        specs.append(ItemSpec(
            id=f"i{i}", title=f"Item {i}", phase=rng.choice(PHASE_IDS),
            depends_on=tuple(f"i{j}" for j in deps),
            kind="approval" if approval else "task",
            approvers=tuple(rng.sample(PEOPLE, k=rng.randint(1, 2))) if approval else (),
            required=approval or rng.random() < 0.8,
            estimate=rng.choice((None, 0, 60, 600, 3600, rng.randint(1, 7200))),
            rollback=rng.choice(("", "undo it")),
            rollback_estimate=rng.choice((None, 0, 300, 1800)),
            point_of_no_return=rng.random() < 0.07,
            due=rng.choice((None, None, -86400, -600, 0, 3600)),
        ))
    return specs


# A step: (which command, a number that picks the item and the action, flags, seconds later).
# Long scripts matter more than shrinking each step, so steps come from one drawn Random.
@st.composite
def scripts(draw: st.DrawFn) -> list[tuple[int, int, int, int]]:
    n = draw(st.integers(min_value=0, max_value=80))
    rng = draw(st.randoms(use_true_random=False))
    return [(rng.randint(0, 99), rng.randint(0, 10**6), rng.randint(0, 255), rng.randint(1, 600))
            for _ in range(n)]


LEGAL: dict[ItemStatus, list[ItemAction]] = {
    status: [a for a in A if (a, status) in TRANSITIONS] for status in S
}


def command_for(state: ProjectState, s: tuple[int, int, int, int], at: Any) -> Command:
    """Mostly commands that the rules may accept (a legal move of a workable item, a
    decision by a real approver), and some entirely random ones, to be refused."""
    which, pick, flags, _ = s
    ids = list(state.specs)
    by = Operator(PEOPLE[(flags >> 2) % 3])
    why = "because" if flags & 1 or flags & 8 else ""
    go = bool(flags & 2) or bool(flags & 16)
    if which < 45:  # a move that the transition table allows, on an item one can work on
        workable = [i for i in ids if state.items[i].status is not S.TODO or state.is_ready(i)]
        item_id = (workable or ids)[pick % len(workable or ids)]
        actions = LEGAL[state.items[item_id].status]
        return MoveItem(item=item_id, action=actions[(pick // 41) % len(actions)], reason=why, by=by, at=at)
    item_id = ids[pick % len(ids)]
    if which < 55:  # anything at all
        return MoveItem(item=item_id, action=list(A)[(pick // 41) % len(A)], reason=why, by=by, at=at)
    if which < 70:
        approvals = [i for i in ids if state.specs[i].is_approval]
        if approvals and flags & 32:
            item_id = approvals[pick % len(approvals)]
            approvers = state.specs[item_id].approvers
            return DecideApproval(item=item_id, go=go, approver=approvers[(pick // 41) % len(approvers)],
                                  by=by, at=at, note=why)
        return DecideApproval(item=item_id, go=go, by=by, at=at, note=why)
    if which < 76:
        return AddNote(text=why or " ", item=item_id if go else None, by=by, at=at)
    if which < 82:
        return RecordVerification(item=item_id, command="check", exit_code=0 if go else 1, output_tail="",
                                  duration=0.5, host="h", by=by, at=at)
    if which < 86:
        return RecordMetric(item=item_id, value=f"{which}ms", by=by, at=at)
    if which < 90:
        return RecordCost(item=item_id, amount=float(which), by=by, at=at)
    if which < 94:
        return OpenWindow(by=by, at=at)
    if which < 97:
        return CloseWindow(by=by, at=at)
    return StartRollback(reason=why, by=by, at=at)


def summary(state: ProjectState) -> tuple[Any, ...]:
    """Everything that makes up a state, but the caches in ``extra``."""
    return (sorted(state.items.items()), state.window, state.opened_at, state.closed_at, state.rollback,
            state.seq, state.last_hash, state.created_at, state.updated_at, state.notes)


def check_event(before: ProjectState, after: ProjectState, event: Event) -> None:
    """One event, applied to ``before``, gave ``after``: it obeyed the rules."""
    assert event.seq == before.seq + 1 and after.seq == event.seq
    assert event.prev == before.last_hash and after.last_hash == event.hash
    item_id = event.item
    if event.kind in MOVE_KIND_ACTION:
        assert item_id is not None
        action = MOVE_KIND_ACTION[event.kind]
        old = before.items[item_id].status
        new = after.items[item_id].status
        assert (action, old) in TRANSITIONS, f"{action} from {old}"
        if action is A.UNBLOCK:
            assert new in (S.TODO, before.items[item_id].held_status)
        else:
            assert new is TRANSITIONS[(action, old)]
        if action in NEEDS_REASON:
            assert after.items[item_id].reason
    if item_id is not None:
        was = before.items[item_id].status
        now = after.items[item_id].status
        if now in (S.IN_PROGRESS, S.DONE) and now is not was:
            # it may only move (back) into work when its dependencies were closed
            assert all(before.items[d].status in CLOSED for d in before.specs[item_id].depends_on), (
                f"{item_id} became {now} with open dependencies")
    for other, run in after.items.items():  # nothing else changed
        if other != item_id:
            assert run is before.items[other]


@MORE
@given(plans(), scripts())
def test_random_commands_never_produce_an_illegal_state(specs: list[ItemSpec], script: list[Any]) -> None:
    d = Driver(*specs)
    for s in script:
        d.tick(s[-1])
        state = d.state
        command = command_for(state, s, d.at)
        result = engine_decide(state, command)
        if isinstance(result, Refusal):
            assert result.reason
            if isinstance(command, MoveItem) and command.action in NEEDS_REASON and not command.reason:
                assert "reason" in result.reason or "cannot" in result.reason
            continue
        if isinstance(command, MoveItem):
            assert (command.action, state.items[command.item].status) in TRANSITIONS
            assert command.action not in NEEDS_REASON or command.reason
        assert result, "an accepted command writes at least one event"
        for event in result:
            after = apply(state, event)
            check_event(state, after, event)
            state = after
        d.state = state
        d.events.extend(result)
    assert [e.seq for e in d.events] == list(range(1, len(d.events) + 1))
    assert verify_chain(d.events) is None
    # approvals: done only with a go from every approver
    for item_id, spec in d.state.specs.items():
        run = d.state.items[item_id]
        if spec.is_approval and run.status is S.DONE:
            assert {x.approver for x in run.decisions if x.go} >= set(spec.approvers)


def driven(specs: list[ItemSpec], script: list[Any]) -> Driver:
    """A driver after the script: refused commands are left out, as storage would."""
    d = Driver(*specs)
    for s in script:
        d.tick(s[-1])
        result = engine_decide(d.state, command_for(d.state, s, d.at))
        if isinstance(result, list):
            for event in result:
                d.state = apply(d.state, event)
            d.events.extend(result)
    return d


@SETTINGS
@given(plans(), scripts())
def test_fold_equals_successive_apply_and_is_repeatable(specs: list[ItemSpec], script: list[Any]) -> None:
    d = driven(specs, script)
    once = fold(d.events)
    twice = fold(d.events)
    assert summary(once) == summary(twice) == summary(d.state)
    # and the same through plain data (what storage writes)
    copies = [Event.from_dict(e.to_dict()) for e in d.events]
    assert summary(fold(copies)) == summary(d.state)


@SETTINGS
@given(plans(), scripts(), st.data())
def test_the_chain_names_a_changed_removed_or_reordered_event(
        specs: list[ItemSpec], script: list[Any], data: st.DataObject) -> None:
    d = driven(specs, script)
    events = d.events
    n = len(events)
    assert verify_chain(events) is None
    i = data.draw(st.integers(0, n - 1), label="changed")
    changed = list(events)
    changed[i] = replace(events[i], payload={**events[i].payload, "forged": True})
    broken = verify_chain(changed)
    assert broken is not None and broken.index == i and broken.seq == events[i].seq
    if n >= 2:
        j = data.draw(st.integers(0, n - 2), label="removed")  # removing the last one leaves a valid log
        removed = events[:j] + events[j + 1:]
        broken = verify_chain(removed)
        assert broken is not None and broken.index == j
        a, b = sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=2, max_size=2), label="swapped"))
        swapped = list(events)
        swapped[a], swapped[b] = swapped[b], swapped[a]
        broken = verify_chain(swapped)
        assert broken is not None and broken.index == a


@SETTINGS
@given(plans(), scripts(), st.integers(-86400, 86400))
def test_critical_path_is_a_chain_of_remaining_work_at_least_as_long_as_any_item(
        specs: list[ItemSpec], script: list[Any], offset: int) -> None:
    d = driven(specs, script)
    now = max(d.at, T0) + timedelta(seconds=offset)
    schedule = compute_schedule(d.state, now)
    remaining = schedule.remaining
    assert set(remaining) == {i for i, r in d.state.items.items() if r.status not in CLOSED}
    assert all(value >= 0 for value in remaining.values())
    counted = [value for item_id, value in remaining.items()
               if d.state.specs[item_id].phase not in AFTER_WINDOW]
    assert schedule.critical_remaining >= max(counted, default=0.0)
    path = schedule.critical_path
    assert all(item_id in remaining for item_id in path)
    for a, b in itertools.pairwise(path):
        assert a in d.state.specs[b].depends_on
    assert abs(schedule.critical_wait + sum(remaining[i] for i in path)
               - schedule.critical_remaining) < 1e-6
    if not schedule.rollback_active:  # during a rollback the forecast is the backout's
        assert schedule.forecast_finish == now + timedelta(seconds=schedule.critical_remaining)
    ready = set(schedule.ready)
    for item_id, run in d.state.items.items():
        expected = run.status is S.TODO and d.state.is_ready(item_id)
        assert (item_id in ready) is expected
    assert set(schedule.running) == {i for i, r in d.state.items.items() if r.status is S.IN_PROGRESS}


# --- rollback and the point of no return ---------------------------------------------------

ADVANCED = (S.IN_PROGRESS, S.DONE, S.SKIPPED)


def rollback_command_for(state: ProjectState, s: tuple[int, int, int, int], at: Any) -> Command:
    """The engine's commands, with rollbacks far more often: a rollback's steps, its finish
    and cancel, and moves that would pass a point of no return, with or without the flag."""
    which, pick, flags, _ = s
    by = Operator(PEOPLE[(flags >> 2) % 3])
    why = "because" if flags & 1 else ""
    plan = state.rollback
    if which < 12:
        return StartRollback(reason=why or "x", by=by, at=at)
    if plan is not None and plan.active and which < 50:
        if which < 42 and plan.steps:
            step = plan.steps[pick % len(plan.steps)]
            action = ("start", "done", "fail", "skip")[(pick // 7) % 4]
            return RollbackStepAction(item=step.item, action=action, note=why, by=by, at=at)
        if which < 46:
            return FinishRollback(note=why, by=by, at=at)
        return CancelRollback(reason=why, by=by, at=at)
    ponr = [i for i in state.specs if state.specs[i].point_of_no_return]
    if ponr and which < 62:
        return MoveItem(item=ponr[pick % len(ponr)], action=(A.START, A.DONE)[flags & 1],
                        confirm_ponr=bool(flags & 64), by=by, at=at)
    command = command_for(state, s, at)
    if isinstance(command, MoveItem) and flags & 128:
        command = replace(command, confirm_ponr=True)
    return command


@MORE
@given(plans(), scripts())
def test_no_event_moves_a_forward_item_during_a_rollback_or_passes_a_ponr_unconfirmed(
        specs: list[ItemSpec], script: list[Any]) -> None:
    d = Driver(*specs)
    for s in script:
        d.tick(s[-1])
        state = d.state
        command = rollback_command_for(state, s, d.at)
        result = engine_decide(state, command)
        if isinstance(result, Refusal):
            assert result.reason
            continue
        frozen = state.rollback is not None and state.rollback.active
        for event in result:
            after = apply(state, event)
            check_event(state, after, event)
            item_id = event.item
            if (item_id is not None and event.kind in MOVE_KIND_ACTION) or \
                    event.kind is EventKind.APPROVAL_DECIDED:
                assert item_id is not None
                spec = state.specs[item_id]
                was, now = state.items[item_id].status, after.items[item_id].status
                if frozen and spec.phase in ("execute", "monitor"):
                    assert now is was or now not in ADVANCED, (
                        f"{item_id} ({spec.phase}) became {now} during a rollback")
                if spec.point_of_no_return and state.items[item_id].started_at is None \
                        and after.items[item_id].started_at is not None:
                    assert getattr(command, "confirm_ponr", False), f"{item_id} passed unconfirmed"
                    assert not frozen
            if event.kind is EventKind.ROLLBACK_STARTED:
                assert not state.point_of_no_return_passed()
            if event.kind is EventKind.ROLLBACK_FINISHED:
                assert state.rollback is not None
                assert all(step.status in CLOSED for step in state.rollback.steps)
            state = after
        d.state = state
        d.events.extend(result)
    assert verify_chain(d.events) is None
    assert summary(fold(d.events)) == summary(d.state)
