"""The checklist engine: every rule, every refusal and its message.

The builders (``item``, ``template``, ``Driver``) are in tests/support/engine.py.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from updeck.models.commands import (
    AddNote,
    CloseWindow,
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
    StartRollback,
)
from updeck.models.engine import TRANSITIONS, apply, backout_steps, decide, fold, submit
from updeck.models.events import Event, EventKind, Operator, verify_chain
from updeck.models.project import Window
from updeck.models.state import ItemStatus
from updeck.models.template import ItemSpec

from tests.support.engine import ALICE, BOB, T0, A, Driver, S, bring_to, item

# --- creating ---------------------------------------------------------------------

def test_create_project_makes_the_first_event_and_an_all_todo_state() -> None:
    d = Driver(item("a"), item("b", depends_on=["a"]))
    assert [e.kind for e in d.events] == [EventKind.PROJECT_CREATED]
    assert d.events[0].seq == 1
    assert d.state.seq == 1 and d.state.last_hash == d.events[0].hash
    assert {i: r.status for i, r in d.state.items.items()} == {"a": S.TODO, "b": S.TODO}
    assert d.state.dependents["a"] == ("b",)
    assert d.state.created_at == d.at


def test_a_project_cannot_be_created_twice() -> None:
    d = Driver(item("a"))
    refusal = d.no(CreateProject, project=d.state.project)
    assert refusal.reason == "project test-000001 already exists"


def test_commands_on_no_project_are_not_found() -> None:
    result = decide(None, AddNote(text="hi", by=ALICE, at=T0))
    assert isinstance(result, Refusal) and result.not_found and result.reason == "no such project"


def test_fold_and_apply_refuse_logs_that_do_not_start_with_creation() -> None:
    d = Driver(item("a"))
    d.ok(AddNote, text="hello")
    with pytest.raises(ValueError, match="first event must create the project"):
        fold(d.events[1:])
    with pytest.raises(ValueError, match="empty status log"):
        fold([])
    with pytest.raises(ValueError, match="created only once"):
        apply(d.state, d.events[0])


# --- readiness and dependencies -----------------------------------------------------

def test_start_waits_for_dependencies_and_names_the_open_ones() -> None:
    d = Driver(item("a"), item("b"), item("c", depends_on=["a", "b"]))
    d.move("a", A.DONE)
    d.move("b", A.START)
    assert d.refuse("c", A.START) == "cannot start c: waiting for b (in_progress)"
    assert d.refuse("c", A.DONE) == "cannot mark done c: waiting for b (in_progress)"
    d.move("b", A.DONE)
    d.move("c", A.START)
    assert d.status("c") is S.IN_PROGRESS


def test_refusal_names_every_open_dependency_with_its_status() -> None:
    d = Driver(item("a"), item("b"), item("c", depends_on=["a", "b"]))
    d.move("b", A.FAIL, "disk full")
    assert d.refuse("c", A.START) == "cannot start c: waiting for a (todo), b (failed)"


def test_a_skipped_dependency_counts_as_closed() -> None:
    d = Driver(item("a", phase="assess"), item("b", depends_on=["a"]))
    d.move("a", A.SKIP, "already known")
    assert d.state.is_ready("b")
    d.move("b", A.DONE)
    assert d.status("b") is S.DONE


def test_dependencies_across_phases() -> None:
    d = Driver(item("inv", phase="assess"), item("rehearse", phase="test", depends_on=["inv"]))
    assert d.state.open_dependencies("rehearse") == ["inv"]
    assert "waiting for inv (todo)" in d.refuse("rehearse", A.START)


def test_fail_skip_block_do_not_need_ready_dependencies() -> None:
    d = Driver(item("a"), item("b", depends_on=["a"]), item("c", depends_on=["a"]),
               item("e", depends_on=["a"]))
    d.move("b", A.SKIP, "not for this version")
    d.move("c", A.BLOCK, "vendor")
    d.move("e", A.FAIL, "cannot do it")
    assert (d.status("b"), d.status("c"), d.status("e")) == (S.SKIPPED, S.BLOCKED, S.FAILED)


def test_unknown_item_is_not_found() -> None:
    d = Driver(item("a"))
    refusal = d.no(MoveItem, item="nope", action=A.START)
    assert refusal.not_found
    assert refusal.reason == "no item 'nope' in project test-000001"
    for command, fields in ((DecideApproval, {"go": True}), (RecordMetric, {"value": "1"}),
                            (RecordCost, {"amount": 1.0}),
                            (RecordVerification, {"command": "true", "exit_code": 0, "output_tail": "",
                                                  "duration": 0.1, "host": "h"})):
        assert d.no(command, item="nope", **fields).not_found
    assert d.no(AddNote, text="x", item="nope").not_found


# --- reasons ------------------------------------------------------------------------

@pytest.mark.parametrize("action", [A.SKIP, A.FAIL, A.BLOCK])
@pytest.mark.parametrize("reason", ["", "   "])
def test_reason_is_required(action: ItemAction, reason: str) -> None:
    d = Driver(item("a"))
    verb = {A.SKIP: "skip", A.FAIL: "fail", A.BLOCK: "block"}[action]
    assert d.refuse("a", action, reason) == f"cannot {verb} a without a reason; say why"


def test_reopen_needs_a_reason() -> None:
    d = Driver(item("a"))
    d.move("a", A.DONE)
    assert d.refuse("a", A.REOPEN) == "cannot reopen a without a reason; say why"
    d.move("a", A.REOPEN, "wrong host")
    assert d.state.items["a"].reason == "wrong host"


def test_reason_is_recorded_trimmed() -> None:
    d = Driver(item("a"))
    events = d.move("a", A.SKIP, "  not needed  ")
    assert events[0].payload == {"reason": "not needed"}
    assert d.state.items["a"].reason == "not needed"


def test_start_and_done_need_no_reason() -> None:
    d = Driver(item("a"))
    assert d.move("a", A.START)[0].payload == {}


# --- the transition table -----------------------------------------------------------

@pytest.mark.parametrize(("action", "source"), sorted(TRANSITIONS, key=str))
def test_every_legal_move(action: ItemAction, source: ItemStatus) -> None:
    d = Driver(item("a"))
    bring_to(d, "a", source)
    d.move("a", action, "because")
    expected = TRANSITIONS[(action, source)]
    if action is A.UNBLOCK:
        expected = S.TODO  # blocked from todo goes back to todo
    assert d.status("a") is expected
    assert d.state.items["a"].by == "alice"


ILLEGAL = [(a, s) for a, s in itertools.product(A, S) if (a, s) not in TRANSITIONS]


@pytest.mark.parametrize(("action", "source"), ILLEGAL)
def test_every_illegal_move_is_refused_with_the_possible_ones(action: ItemAction, source: ItemStatus) -> None:
    d = Driver(item("a"))
    bring_to(d, "a", source)
    reason = d.refuse("a", action, "because")
    verb = "mark done" if action is A.DONE else action.value
    assert reason.startswith(f"cannot {verb} a: it is {source.value}")
    possible = sorted(a.value for (a, s) in TRANSITIONS if s is source)
    assert reason.endswith(f"(possible: {', '.join(possible)})")


def test_illegal_move_message_example() -> None:
    d = Driver(item("a"))
    d.move("a", A.DONE)
    assert d.refuse("a", A.START) == "cannot start a: it is done (possible: reopen)"


def test_start_done_sets_actual_times() -> None:
    d = Driver(item("a"), item("b"))
    d.move("a", A.START)
    start = d.at
    d.tick(600)
    d.move("a", A.DONE)
    run = d.state.items["a"]
    assert run.started_at == start and run.finished_at == d.at
    assert run.actual_duration == 600
    d.move("b", A.DONE)  # straight from todo: started and finished at once
    assert d.state.items["b"].actual_duration == 0


def test_restart_after_failure() -> None:
    d = Driver(item("a"))
    d.move("a", A.START)
    d.tick(60)
    d.move("a", A.FAIL, "timeout")
    assert d.state.items["a"].finished_at == d.at
    d.tick(60)
    d.move("a", A.START)
    run = d.state.items["a"]
    assert run.status is S.IN_PROGRESS and run.started_at == d.at and run.finished_at is None
    assert run.reason == ""


def test_block_remembers_and_unblock_restores_the_interrupted_status() -> None:
    d = Driver(item("a"))
    d.move("a", A.START)
    started = d.at
    d.tick(30)
    d.move("a", A.BLOCK, "network down")
    assert d.state.items["a"].held_status is S.IN_PROGRESS
    events = d.move("a", A.UNBLOCK)
    assert events[0].payload == {"to": "in_progress"}
    run = d.state.items["a"]
    assert run.status is S.IN_PROGRESS and run.started_at == started and run.held_status is None


def test_unblock_goes_back_to_todo_when_a_dependency_was_reopened_meanwhile() -> None:
    d = Driver(item("a"), item("b", depends_on=["a"]))
    d.move("a", A.DONE)
    d.move("b", A.START)
    d.move("b", A.BLOCK, "waiting")
    d.move("a", A.REOPEN, "redo it")
    events = d.move("b", A.UNBLOCK)
    assert events[0].payload == {"to": "todo"}
    assert d.status("b") is S.TODO and d.state.items["b"].started_at is None


def test_reopen_clears_times_and_decisions_but_keeps_verifications() -> None:
    d = Driver(item("a"))
    d.move("a", A.START)
    d.ok(RecordVerification, item="a", command="true", exit_code=0, output_tail="ok",
         duration=0.5, host="db1")
    d.move("a", A.DONE)
    d.move("a", A.REOPEN, "ran on the wrong node")
    run = d.state.items["a"]
    assert run.status is S.TODO and run.started_at is None and run.finished_at is None
    assert len(run.verifications) == 1


# --- approvals ----------------------------------------------------------------------

def go_no_go(**fields: Any) -> ItemSpec:
    return item("go-no-go", kind="approval", approvers=["change-manager", "app-owner"], **fields)


def test_approval_cannot_be_started_or_marked_done() -> None:
    d = Driver(go_no_go())
    msg = "go-no-go is an approval: it is done when every approver (change-manager, app-owner) says go"
    assert d.refuse("go-no-go", A.START) == msg
    assert d.refuse("go-no-go", A.DONE) == msg


def test_a_no_go_cannot_be_skipped_around() -> None:
    """Skipping would turn a recorded no-go (or a pending go/no-go) into a closed gate."""
    d = Driver(go_no_go(), item("cutover", depends_on=["go-no-go"]))
    assert d.refuse("go-no-go", A.SKIP, "in a hurry") == (
        "cannot skip go-no-go: it is a required go/no-go; only its approvers decide it "
        "(reopen it to decide again)")
    d.ok(DecideApproval, item="go-no-go", go=False, by=Operator("app-owner"), note="backup bad")
    assert d.status("go-no-go") is S.FAILED
    assert "only its approvers decide it" in d.refuse("go-no-go", A.SKIP, "overrule")
    assert d.refuse("cutover", A.START).startswith("cannot start cutover: waiting for go-no-go")
    # An optional sign-off nobody objected to may be skipped, with a reason.
    d2 = Driver(go_no_go(required=False))
    d2.move("go-no-go", A.SKIP, "not needed for a minor release")
    assert d2.status("go-no-go") is S.SKIPPED


def test_approval_by_non_approver_is_refused() -> None:
    d = Driver(go_no_go())
    refusal = d.no(DecideApproval, item="go-no-go", go=True)  # alice decides for herself
    assert refusal.reason == "alice is not an approver of go-no-go (approvers: change-manager, app-owner)"
    refusal = d.no(DecideApproval, item="go-no-go", go=True, approver="dba")
    assert refusal.reason.startswith("dba is not an approver of go-no-go")


def test_approver_defaults_to_the_operator() -> None:
    d = Driver(item("ok", kind="approval", approvers=["alice"]))
    events = d.ok(DecideApproval, item="ok", go=True)
    assert [e.kind for e in events] == [EventKind.APPROVAL_DECIDED, EventKind.ITEM_DONE]
    assert events[0].payload["approver"] == "alice"


def test_go_no_go_needs_every_approver() -> None:
    d = Driver(go_no_go(), item("stop-apps", depends_on=["go-no-go"]))
    events = d.ok(DecideApproval, item="go-no-go", go=True, approver="change-manager", note="ready")
    assert [e.kind for e in events] == [EventKind.APPROVAL_DECIDED]
    assert events[0].payload == {"approver": "change-manager", "go": True, "note": "ready"}
    assert d.status("go-no-go") is S.IN_PROGRESS  # half decided
    assert "waiting for go-no-go (in_progress)" in d.refuse("stop-apps", A.START)
    # the same approver again does not count twice
    d.ok(DecideApproval, item="go-no-go", go=True, approver="change-manager", by=BOB)
    assert d.status("go-no-go") is S.IN_PROGRESS
    assert len(d.state.items["go-no-go"].decisions) == 1
    events = d.ok(DecideApproval, item="go-no-go", go=True, approver="app-owner", by=BOB)
    assert [e.kind for e in events] == [EventKind.APPROVAL_DECIDED, EventKind.ITEM_DONE]
    assert events[1].payload == {"reason": "go from change-manager, app-owner"}
    assert d.status("go-no-go") is S.DONE
    assert {x.approver for x in d.state.items["go-no-go"].decisions} == {"change-manager", "app-owner"}
    d.move("stop-apps", A.START)


def test_a_single_no_go_fails_the_item_and_holds_its_dependents() -> None:
    d = Driver(go_no_go(), item("stop-apps", depends_on=["go-no-go"]),
               item("upgrade", depends_on=["stop-apps"]))
    d.ok(DecideApproval, item="go-no-go", go=True, approver="change-manager")
    events = d.ok(DecideApproval, item="go-no-go", go=False, approver="app-owner", note="backup failed")
    assert [e.kind for e in events] == [EventKind.APPROVAL_DECIDED, EventKind.ITEM_FAILED]
    assert events[1].payload == {"reason": "no-go by app-owner: backup failed"}
    assert d.status("go-no-go") is S.FAILED
    assert d.state.items["go-no-go"].reason == "no-go by app-owner: backup failed"
    assert d.refuse("stop-apps", A.START) == "cannot start stop-apps: waiting for go-no-go (failed)"
    # a later go does not undo it
    refusal = d.no(DecideApproval, item="go-no-go", go=True, approver="change-manager")
    assert refusal.reason == "go-no-go is already decided (failed); reopen it to decide again"
    # reopening clears the decisions; then a full go completes it
    d.move("go-no-go", A.REOPEN, "backup fixed")
    assert d.state.items["go-no-go"].decisions == ()
    d.ok(DecideApproval, item="go-no-go", go=True, approver="change-manager")
    d.ok(DecideApproval, item="go-no-go", go=True, approver="app-owner")
    assert d.status("go-no-go") is S.DONE


def test_no_go_without_note_and_before_dependencies_are_done() -> None:
    d = Driver(item("backup"), go_no_go(depends_on=["backup"]))
    refusal = d.no(DecideApproval, item="go-no-go", go=True, approver="app-owner")
    assert refusal.reason == "cannot say go on go-no-go: waiting for backup (todo)"
    events = d.ok(DecideApproval, item="go-no-go", go=False, approver="app-owner")
    assert events[1].payload == {"reason": "no-go by app-owner"}
    assert d.status("go-no-go") is S.FAILED
    assert d.state.items["go-no-go"].started_at is None  # a no-go never started it


def test_decisions_on_done_blocked_and_non_approval_items_are_refused() -> None:
    d = Driver(item("ok", kind="approval", approvers=["alice"]), go_no_go(), item("task"))
    d.ok(DecideApproval, item="ok", go=True)
    assert d.no(DecideApproval, item="ok", go=True).reason == (
        "ok is already decided (done); reopen it to decide again")
    d.move("go-no-go", A.BLOCK, "change board not met")
    assert d.no(DecideApproval, item="go-no-go", go=True, approver="app-owner").reason == (
        "go-no-go is blocked: change board not met")
    assert d.no(DecideApproval, item="task", go=True).reason == "task is not an approval item (kind: task)"


# --- notes --------------------------------------------------------------------------

def test_notes() -> None:
    d = Driver(item("a"))
    assert d.no(AddNote, text="  ").reason == "a note needs some text"
    events = d.ok(AddNote, text=" backup is at 80% ", item="a")
    assert events[0].kind is EventKind.NOTE and events[0].item == "a"
    assert events[0].payload == {"text": "backup is at 80%"}
    d.ok(AddNote, text="general")
    assert d.state.notes == 2


# --- the window ---------------------------------------------------------------------

def test_plan_window() -> None:
    d = Driver(item("a"), window=None)
    assert d.state.window_start() is None
    assert d.no(PlanWindow, window=Window(None, None)).reason == "a planned window needs a start"
    events = d.ok(PlanWindow, window=Window(T0, None))  # the template's 4h by default
    assert events[0].payload == {"window": {"start": T0.isoformat(),
                                            "end": (T0 + timedelta(hours=4)).isoformat()}}
    assert d.state.window == Window(T0, T0 + timedelta(hours=4))
    assert d.no(PlanWindow, window=Window(T0, T0 - timedelta(hours=1))).reason == (
        "the window must end after it starts")
    d.ok(PlanWindow, window=Window(T0, T0 + timedelta(hours=6)))
    assert d.state.window.end == T0 + timedelta(hours=6)


def test_plan_window_without_end_needs_a_template_duration() -> None:
    d = Driver(item("a"), window=None, window_duration=None)
    assert d.no(PlanWindow, window=Window(T0, None)).reason == (
        "give the window an end (the template sets no default duration)")


def test_open_and_close_window() -> None:
    d = Driver(item("a"), window=None)
    assert d.no(CloseWindow).reason == "the window is not open"
    d.tick(60)
    d.ok(OpenWindow)
    opened = d.at
    assert d.state.opened_at == opened and d.state.closed_at is None
    assert d.state.window_start() == opened  # T is the real start when none was planned
    assert d.no(OpenWindow).reason == f"the window is already open (since {opened:%Y-%m-%d %H:%M} UTC)"
    d.tick(3600)
    d.ok(CloseWindow)
    assert d.state.closed_at == d.at
    assert d.no(CloseWindow).reason == "the window is not open"
    d.ok(OpenWindow)  # it may be opened again (a second attempt)
    assert d.state.closed_at is None


def test_planned_start_is_t_even_when_opened_late() -> None:
    d = Driver(item("a"))
    d.at = T0 + timedelta(minutes=10)
    d.ok(OpenWindow)
    assert d.state.window_start() == T0


# --- verification, metric, cost -----------------------------------------------------

def test_record_verification() -> None:
    d = Driver(item("a", verify="pg_isready"))
    events = d.ok(RecordVerification, item="a", command="pg_isready", exit_code=2,
                  output_tail="x" * 5000 + "END", duration=1.23456, host="db1")
    payload = events[0].payload
    assert events[0].kind is EventKind.VERIFICATION_RECORDED
    assert len(payload["output_tail"]) == 4096 and payload["output_tail"].endswith("END")
    assert payload["duration"] == 1.235 and payload["exit_code"] == 2 and payload["host"] == "db1"
    check = d.state.items["a"].verifications[-1]
    assert not check.passed and check.by == "alice" and check.host == "db1"
    d.ok(RecordVerification, item="a", command="pg_isready", exit_code=0, output_tail="", duration=0.1,
         host="db1")
    assert d.state.items["a"].last_verification is not None
    assert d.state.items["a"].last_verification.passed
    assert d.status("a") is S.TODO  # recording a check does not move the item


def test_record_metric() -> None:
    d = Driver(item("p95", phase="monitor", kind="metric", target="<= 150ms"), item("task"))
    assert d.no(RecordMetric, item="p95", value="  ").reason == "a metric reading needs a value"
    assert d.no(RecordMetric, item="task", value="3").reason == (
        "task is not a metric item (kind: task); readings go on items of kind metric")
    d.ok(RecordMetric, item="p95", value=" 142ms ", note="after warm-up")
    reading = d.state.items["p95"].metrics[-1]
    assert (reading.value, reading.note, reading.by) == ("142ms", "after warm-up", "alice")


def test_record_cost() -> None:
    d = Driver(item("hw", phase="plan", cost=1200))
    for bad in (float("nan"), float("inf"), float("-inf")):
        assert d.no(RecordCost, item="hw", amount=bad).reason == "a cost must be a finite number"
    d.ok(RecordCost, item="hw", amount=1000.0, note="servers")
    d.ok(RecordCost, item="hw", amount=250.5)
    assert d.state.items["hw"].actual_cost == 1250.5


# --- rollback -----------------------------------------------------------------------

def runbook() -> Driver:
    return Driver(
        item("backup", estimate=1800, rollback="Nothing to undo", rollback_estimate=0),
        item("stop-apps", depends_on=["backup"], estimate=600, rollback="Start the apps again",
             rollback_estimate=300),
        item("dns", depends_on=["stop-apps"], estimate=300, rollback="Point DNS back", rollback_estimate=600),
        item("upgrade", depends_on=["dns"], estimate=2400, point_of_no_return=True,
             rollback="Restore the backup", rollback_estimate=3600),
        item("smoke", depends_on=["upgrade"], estimate=600),
    )


def test_backout_plan_is_newest_first_with_total() -> None:
    d = runbook()
    for step in ("backup", "stop-apps", "dns"):
        d.tick(60)
        d.move(step, A.DONE)
    steps = backout_steps(d.state)
    assert [s.item for s in steps] == ["dns", "stop-apps", "backup"]
    assert [s.text for s in steps] == ["Point DNS back", "Start the apps again", "Nothing to undo"]
    assert sum(s.estimate or 0 for s in steps) == 900


def test_backout_order_follows_the_closing_event_not_later_checks() -> None:
    d = runbook()
    d.move("backup", A.DONE)
    d.move("stop-apps", A.DONE)
    # a check recorded on the older item later must not make it "newer"
    d.ok(RecordVerification, item="backup", command="ls", exit_code=0, output_tail="", duration=0.1,
         host="h")
    assert [s.item for s in backout_steps(d.state)] == ["stop-apps", "backup"]
    d.move("backup", A.REOPEN, "redo")
    assert [s.item for s in backout_steps(d.state)] == ["stop-apps"]


def test_start_rollback() -> None:
    d = runbook()
    d.move("backup", A.DONE)
    d.move("stop-apps", A.DONE)
    assert d.no(StartRollback, reason=" ").reason == "cannot start rollback without a reason; say why"
    events = d.ok(StartRollback, reason="replica lag", by=BOB)
    payload = events[0].payload
    assert events[0].kind is EventKind.ROLLBACK_STARTED
    assert [s["item"] for s in payload["steps"]] == ["stop-apps", "backup"]
    assert payload["total_estimate"] == 300
    assert payload["summary"] == "2 backout steps, about 5m"
    plan = d.state.rollback
    assert plan is not None and plan.by == "bob" and plan.reason == "replica lag"
    assert plan.total_estimate == 300 and [s.item for s in plan.steps] == ["stop-apps", "backup"]
    assert d.no(StartRollback, reason="again").reason == "rollback already in progress since 21:00 by bob"


def test_rollback_is_refused_after_the_point_of_no_return() -> None:
    d = runbook()
    for step in ("backup", "stop-apps", "dns"):
        d.move(step, A.DONE)
    assert "--confirm-ponr" in d.refuse("upgrade", A.START)
    d.move("upgrade", A.START, confirm_ponr=True)
    assert d.state.point_of_no_return_passed()
    assert d.no(StartRollback, reason="too slow").reason == (
        f"cannot roll back: the point of no return (upgrade) was passed at {d.at:%H:%M}; "
        "fix forward instead")


# --- the log --------------------------------------------------------------------------

def test_events_continue_the_chain_and_the_sequence() -> None:
    d = runbook()
    d.move("backup", A.START)
    d.move("backup", A.DONE)
    d.ok(AddNote, text="n")
    assert [e.seq for e in d.events] == list(range(1, len(d.events) + 1))
    assert all(b.prev == a.hash for a, b in itertools.pairwise(d.events))
    assert verify_chain(d.events) is None
    assert d.state.seq == d.events[-1].seq and d.state.last_hash == d.events[-1].hash


def test_operator_and_time_are_recorded() -> None:
    d = Driver(item("a"))
    d.tick(90)
    event = d.move("a", A.START, by=BOB)[0]
    assert event.by == BOB and event.at == d.at
    assert d.state.items["a"].by == "bob" and d.state.updated_at == d.at


def test_apply_leaves_the_old_state_alone() -> None:
    d = Driver(item("a"))
    before = d.state
    result = decide(before, MoveItem(item="a", action=A.START, by=ALICE, at=T0))
    assert isinstance(result, list)
    after = apply(before, result[0])
    assert before.items["a"].status is S.TODO and before.seq == 1
    assert after.items["a"].status is S.IN_PROGRESS and after.seq == 2


def test_submit_returns_the_new_state_or_the_old_one_with_the_refusal() -> None:
    d = Driver(item("a"), item("b", depends_on=["a"]))
    state, result = submit(d.state, MoveItem(item="b", action=A.START, by=ALICE, at=T0))
    assert state is d.state and isinstance(result, Refusal)
    state, result = submit(d.state, MoveItem(item="a", action=A.START, by=ALICE, at=T0))
    assert isinstance(result, list) and state is not None and state.status("a") is S.IN_PROGRESS


def test_fold_equals_successive_apply() -> None:
    d = runbook()
    d.move("backup", A.START)
    d.move("backup", A.DONE)
    d.ok(RecordCost, item="dns", amount=3.0)
    d.ok(AddNote, text="halfway", item="smoke")
    d.ok(OpenWindow)
    folded = fold(d.events)
    assert folded.items == d.state.items
    assert (folded.seq, folded.last_hash, folded.updated_at, folded.opened_at, folded.notes) == (
        d.state.seq, d.state.last_hash, d.state.updated_at, d.state.opened_at, d.state.notes)


def test_events_survive_a_round_trip_through_plain_data() -> None:
    d = runbook()
    d.move("backup", A.DONE)
    d.ok(RecordVerification, item="backup", command="true", exit_code=0, output_tail="ok",
         duration=0.25, host="h")
    d.ok(RecordCost, item="backup", amount=12.5)
    d.ok(PlanWindow, window=Window(T0, T0 + timedelta(hours=2)))
    copies = [Event.from_dict(e.to_dict()) for e in d.events]
    assert verify_chain(copies) is None
    again = fold(copies)
    assert again.items == d.state.items and again.window == d.state.window
