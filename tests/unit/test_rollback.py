"""The rollback mode and the point of no return, rule by rule: the freeze, the steps in
order with their times, finish and cancel, the backout forecast in the schedule, and the
cutover clock's one truth (before T, running, rollback, fix forward, closed)."""

from __future__ import annotations

from datetime import timedelta

from updeck.models.commands import (
    CancelRollback,
    CloseWindow,
    DecideApproval,
    FinishRollback,
    ItemAction,
    MoveItem,
    OpenWindow,
    RollbackStepAction,
    StartRollback,
)
from updeck.models.cutover_clock import cutover_clock
from updeck.models.events import EventKind
from updeck.models.schedule import compute_schedule
from updeck.models.state import ItemStatus

from tests.support.engine import BOB, T0, Driver, item

A = ItemAction
S = ItemStatus
M = 60


def cutover() -> Driver:
    return Driver(
        item("stop-apps", estimate=10 * M, rollback="Start the apps", rollback_estimate=5 * M),
        item("dns", depends_on=["stop-apps"], estimate=5 * M, rollback="Point DNS back",
             rollback_estimate=10 * M),
        item("upgrade", depends_on=["dns"], estimate=40 * M, point_of_no_return=True,
             rollback="Restore from backup", rollback_estimate=60 * M),
        item("smoke", depends_on=["upgrade"], estimate=10 * M),
        item("watch", phase="monitor", estimate=60 * M),
        item("sign-off", phase="monitor", kind="approval", approvers=["bob"]),
        item("lessons", phase="assess"),
    )


def rolling_back() -> Driver:
    d = cutover()
    d.move("stop-apps", A.DONE)
    d.tick(60)
    d.move("dns", A.DONE)
    d.tick(60)
    d.ok(StartRollback, reason="replica lag", by=BOB)
    return d


def step(d: Driver, item_id: str, action: str, note: str = "") -> object:
    return d.run(RollbackStepAction, item=item_id, action=action, note=note)


def test_a_rollback_freezes_every_forward_move_but_records_what_happened() -> None:
    d = rolling_back()
    since = f"rollback in progress since {(T0 - timedelta(hours=1) + timedelta(minutes=2)):%H:%M} by bob"
    for item_id, action in (("upgrade", A.START), ("watch", A.START), ("watch", A.DONE),
                            ("watch", A.SKIP)):
        reason = d.no(MoveItem, item=item_id, action=action, reason="x").reason
        assert since in reason and reason.startswith("cannot ")
    assert since in d.no(DecideApproval, item="sign-off", go=True, by=BOB).reason
    d.move("watch", A.FAIL, "it broke")  # recording reality is still allowed
    d.move("watch", A.REOPEN, "retry later")
    d.move("lessons", A.DONE)  # other phases go on
    d.ok(DecideApproval, item="sign-off", go=False, by=BOB, note="not yet")


def test_steps_go_newest_first_with_their_times_and_reasons() -> None:
    d = rolling_back()
    plan = d.state.rollback
    assert plan is not None and [s.item for s in plan.steps] == ["dns", "stop-apps"]
    refused = step(d, "stop-apps", "start")
    assert "dns" in str(refused) and "first" in str(refused)
    assert "not a step" in str(step(d, "upgrade", "start"))
    assert "reason" in str(step(d, "dns", "fail"))
    d.tick(30)
    step(d, "dns", "start")
    d.tick(120)
    step(d, "dns", "fail", "dns api down")
    s0 = d.state.rollback.steps[0]  # type: ignore[union-attr]
    assert s0.status is S.FAILED and s0.reason == "dns api down" and s0.finished_at == d.at
    started = d.tick(10)
    step(d, "dns", "start")  # a failed step is done again
    d.tick(300)
    step(d, "dns", "done")
    s0 = d.state.rollback.steps[0]  # type: ignore[union-attr]
    assert s0.status is S.DONE and s0.started_at == started and s0.finished_at == d.at
    assert "reason" in str(step(d, "stop-apps", "skip"))
    step(d, "stop-apps", "skip", "apps never stopped")
    assert "it is skipped" in str(step(d, "stop-apps", "done"))
    events = d.ok(FinishRollback, note="old system serving")
    assert events[0].kind is EventKind.ROLLBACK_FINISHED
    plan = d.state.rollback
    assert plan is not None and plan.state == "finished" and not plan.active
    assert plan.ended_by == "alice" and plan.end_note == "old system serving"
    d.move("watch", A.START)  # forward work is allowed again
    assert "finished" in str(step(d, "dns", "start"))


def test_finish_needs_every_step_closed_and_cancel_needs_a_reason() -> None:
    d = rolling_back()
    assert "dns (todo), stop-apps (todo)" in d.no(FinishRollback).reason
    assert "reason" in d.no(CancelRollback, reason=" ").reason
    d.ok(CancelRollback, reason="lag recovered")
    assert d.state.rollback is not None and d.state.rollback.state == "cancelled"
    assert "the rollback was cancelled" in d.no(FinishRollback).reason
    d.move("upgrade", A.START, confirm_ponr=True)  # forward again, and past the PONR
    assert "point of no return" in d.no(StartRollback, reason="again").reason


def test_point_of_no_return_needs_the_flag_and_is_refused_during_a_rollback() -> None:
    d = cutover()
    d.move("stop-apps", A.DONE)
    d.move("dns", A.DONE)
    for action in (A.START, A.DONE):
        reason = d.refuse("upgrade", action)
        assert "upgrade is the point of no return" in reason and "--confirm-ponr" in reason
        assert "2 steps, about 15m" in reason
    d.ok(StartRollback, reason="lag")
    reason = d.no(MoveItem, item="upgrade", action=A.START, confirm_ponr=True).reason
    assert "rollback in progress" in reason


def test_the_schedule_forecasts_the_backout_during_a_rollback() -> None:
    d = rolling_back()
    end = T0 + timedelta(hours=4)
    s = compute_schedule(d.state, d.at)
    assert s.rollback_active and s.rollback_decide_by is None
    assert s.backout_total == 15 * M and s.forecast_finish == d.at + timedelta(minutes=15)
    assert s.margin == (end - s.forecast_finish).total_seconds()
    step(d, "dns", "start")
    later = d.at + timedelta(minutes=4)
    s = compute_schedule(d.state, later)
    assert s.backout_total == 11 * M  # 6m left of dns, 5m of stop-apps
    clock = cutover_clock(d.state, s)
    assert clock.mode == "rollback" and clock.backout is not None
    assert clock.backout.next_step == "dns" and clock.backout.finish == later + timedelta(minutes=11)


def test_the_cutover_clock_in_each_state() -> None:
    d = cutover()
    assert cutover_clock(d.state, compute_schedule(d.state, d.at)).mode == "before"
    d.at = T0 + timedelta(minutes=5)
    d.ok(OpenWindow)
    d.move("stop-apps", A.DONE)
    d.move("dns", A.DONE)
    assert cutover_clock(d.state, compute_schedule(d.state, d.at)).mode == "running"
    d.tick(600)
    d.move("upgrade", A.START, confirm_ponr=True)
    s = compute_schedule(d.state, d.at)
    clock = cutover_clock(d.state, s)
    assert clock.mode == "fix_forward" and clock.ponr_at == d.at and s.rollback_decide_by is None
    d.tick(3000)
    d.move("upgrade", A.DONE)
    d.move("smoke", A.DONE)
    d.ok(CloseWindow)
    closed_at = d.at
    clock = cutover_clock(d.state, compute_schedule(d.state, d.at + timedelta(hours=2)))
    assert clock.mode == "closed" and clock.stopped and clock.clock_at == closed_at
    assert clock.outcome == "completed" and clock.t_offset == (closed_at - T0).total_seconds()
    assert clock.actual_duration == (closed_at - (T0 + timedelta(minutes=5))).total_seconds()
    assert clock.planned_duration == 4 * 3600


def test_outcome_rolled_back_and_open_items() -> None:
    d = rolling_back()
    d.ok(OpenWindow)
    for item_id in ("dns", "stop-apps"):
        step(d, item_id, "done")
    d.ok(FinishRollback)
    d.ok(CloseWindow)
    assert cutover_clock(d.state, compute_schedule(d.state, d.at)).outcome == "rolled back"
    d = cutover()
    d.ok(OpenWindow)
    d.move("stop-apps", A.DONE)
    d.ok(CloseWindow)
    assert cutover_clock(d.state, compute_schedule(d.state, d.at)).outcome == \
        "closed with 3 open items"
