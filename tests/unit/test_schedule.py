"""The schedule: plan, actuals, critical path, forecast, margin, late items, backout."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from updeck.models.commands import AddNote, DecideApproval, MoveItem, OpenWindow, PlanWindow
from updeck.models.commands import ItemAction as A
from updeck.models.engine import apply, decide
from updeck.models.project import Window
from updeck.models.schedule import LateItem, build_plan, compute_schedule, plan_for
from updeck.models.state import ItemStatus

from tests.support.engine import BOB, T0, Driver, item

H = 3600
M = 60


def diamond(**window: object) -> Driver:
    """a(30m) -> b(60m) -> d(10m) and a -> c(20m) -> d; the clock at T unless told."""
    window.setdefault("at", T0)
    return Driver(
        item("a", estimate=30 * M), item("b", depends_on=["a"], estimate=60 * M),
        item("c", depends_on=["a"], estimate=20 * M), item("d", depends_on=["b", "c"], estimate=10 * M),
        **window,  # type: ignore[arg-type]
    )


# --- the plan -----------------------------------------------------------------------

def test_planned_times_from_t_dependencies_and_at() -> None:
    d = Driver(
        item("inventory", phase="assess", estimate=30 * M, due=-7 * 86400),
        item("announce", phase="communicate", due=-86400),
        item("go", kind="approval", approvers=["alice"], at=-30 * M),
        item("stop", depends_on=["go"], estimate=10 * M),
        item("backup", estimate=40 * M),
        item("upgrade", depends_on=["stop", "backup"], estimate=40 * M),
        item("late-start", at=2 * H, estimate=5 * M),
        item("after-inventory", phase="test", depends_on=["inventory"], estimate=H),
        item("watch", phase="monitor", estimate=H),
    )
    s = compute_schedule(d.state, d.at)
    assert s.planned_start("go") == T0 - timedelta(minutes=30)
    assert s.planned_finish("go") == T0 - timedelta(minutes=30)  # no estimate: a moment
    assert s.planned_start("stop") == T0 - timedelta(minutes=30)
    assert s.planned_finish("stop") == T0 - timedelta(minutes=20)
    assert s.planned_start("backup") == T0  # execute items start at T
    assert s.planned_start("upgrade") == T0 + timedelta(minutes=40)  # latest dependency finish
    assert s.planned_finish("upgrade") == T0 + timedelta(minutes=80)
    assert s.planned_start("late-start") == T0 + timedelta(hours=2)
    assert s.planned_start("watch") == T0  # monitor too
    # earlier phases are planned by their due date, not on the T timeline
    assert s.planned_start("inventory") is None and s.planned_finish("inventory") is None
    assert s.planned_start("announce") is None
    assert s.planned_start("after-inventory") is None  # its only dependency has no plan
    assert s.planned_start_offset("upgrade") == 40 * M
    assert s.planned_finish_offset("late-start") == 2 * H + 5 * M
    assert s.planned_end == T0 + timedelta(hours=2, minutes=5)


def test_no_window_means_no_planned_times_but_a_forecast() -> None:
    d = diamond(window=None)
    s = compute_schedule(d.state, d.at)
    assert s.window_start is None and s.window_end is None and s.t_offset is None
    assert s.planned_start("a") is None and s.planned_start_offset("a") == 0
    assert s.margin is None and s.margin_level == "none"
    assert s.rollback_decide_by is None and not s.rollback_decide_passed
    assert s.forecast_finish == d.at + timedelta(minutes=100)


def test_a_dependency_later_in_the_template_is_planned_first() -> None:
    d = Driver(item("second", depends_on=["first"], estimate=M), item("first", estimate=10 * M))
    s = compute_schedule(d.state, d.at)
    assert s.planned_start("second") == T0 + timedelta(minutes=10)
    assert s.plan.order == ("first", "second")
    assert s.plan.template_order == ("second", "first")


# --- actuals ------------------------------------------------------------------------

def test_actual_start_finish_and_duration() -> None:
    d = diamond()
    d.move("a", A.START)
    started = d.at
    d.tick(25 * M)
    s = compute_schedule(d.state, d.at)
    assert s.actual_start("a") == started and s.actual_finish("a") is None
    assert s.actual_duration("a") == 25 * M  # running: the time so far
    d.move("a", A.DONE)
    d.tick(5 * M)
    s = compute_schedule(d.state, d.at)
    assert s.actual_finish("a") == started + timedelta(minutes=25)
    assert s.actual_duration("a") == 25 * M
    assert s.actual_duration("b") is None
    timing = s.timing("a")
    assert (timing.item, timing.estimate, timing.remaining) == ("a", 30 * M, 0.0)
    assert timing.planned_start == T0 and timing.planned_finish == T0 + timedelta(minutes=30)
    assert [t.item for t in s.timings()] == ["a", "b", "c", "d"]


# --- critical path and forecast -------------------------------------------------------

def test_critical_path_through_remaining_work() -> None:
    d = diamond()
    s = compute_schedule(d.state, d.at)
    assert s.critical_path == ("a", "b", "d")
    assert s.critical_remaining == 100 * M
    assert s.forecast_finish == d.at + timedelta(minutes=100)
    d.move("a", A.DONE)
    s = compute_schedule(d.state, d.at)
    assert s.critical_path == ("b", "d") and s.critical_remaining == 70 * M


def test_running_items_count_only_what_is_left() -> None:
    d = diamond()
    d.move("a", A.DONE)
    d.move("b", A.START)
    d.tick(20 * M)
    s = compute_schedule(d.state, d.at)
    assert s.remaining["b"] == 40 * M
    assert s.critical_path == ("b", "d") and s.critical_remaining == 50 * M
    d.tick(35 * M)  # b has 5 minutes left; c + d (30m) is now longer
    s = compute_schedule(d.state, d.at)
    assert s.critical_path == ("c", "d") and s.critical_remaining == 30 * M
    d.tick(2 * H)  # overrun: nothing left, never negative
    s = compute_schedule(d.state, d.at)
    assert s.remaining["b"] == 0


def test_skipped_and_done_items_leave_the_path() -> None:
    d = diamond()
    d.move("a", A.SKIP, "done last week")
    d.move("b", A.SKIP, "not needed")
    s = compute_schedule(d.state, d.at)
    assert s.critical_path == ("c", "d") and s.critical_remaining == 30 * M
    assert "b" not in s.remaining


def test_failed_and_blocked_items_still_count_as_remaining() -> None:
    d = diamond()
    d.move("a", A.FAIL, "broke")
    d.move("c", A.BLOCK, "vendor")
    s = compute_schedule(d.state, d.at)
    assert s.critical_remaining == 100 * M
    assert s.remaining["a"] == 30 * M and s.remaining["c"] == 20 * M


def test_zero_estimate_gates_stay_on_the_path() -> None:
    d = Driver(item("go", kind="approval", approvers=["alice"]), item("run", depends_on=["go"], estimate=H),
               item("side", estimate=10 * M), at=T0)
    s = compute_schedule(d.state, d.at)
    assert s.critical_path == ("go", "run") and s.critical_remaining == H


def test_nothing_left() -> None:
    d = Driver(item("a", estimate=M))
    d.move("a", A.DONE)
    s = compute_schedule(d.state, d.at)
    assert s.critical_path == () and s.critical_remaining == 0 and s.forecast_finish == d.at


def test_cutover_work_waits_for_the_window_until_it_opens() -> None:
    d = diamond(at=T0 - timedelta(hours=1))
    s = compute_schedule(d.state, d.at)
    assert s.critical_path == ("a", "b", "d")
    assert s.critical_wait == H and s.critical_remaining == H + 100 * M
    assert s.forecast_finish == T0 + timedelta(minutes=100)  # not an hour before T
    d.ok(OpenWindow)  # opened early: the work goes as fast as it goes
    s = compute_schedule(d.state, d.at)
    assert s.critical_wait == 0 and s.forecast_finish == d.at + timedelta(minutes=100)


def test_an_at_time_holds_its_item_and_what_follows() -> None:
    d = Driver(item("prep", estimate=10 * M), item("switch", at=2 * H, estimate=30 * M),
               item("check", depends_on=["switch"], estimate=15 * M), at=T0)
    s = compute_schedule(d.state, d.at)
    assert s.critical_path == ("switch", "check")
    assert s.critical_wait == 2 * H and s.forecast_finish == T0 + timedelta(minutes=165)


def test_post_cutover_work_does_not_count_towards_the_window() -> None:
    d = Driver(item("run", estimate=H), item("hypercare", phase="monitor", depends_on=["run"],
                                             estimate=3 * 86400), at=T0)
    s = compute_schedule(d.state, d.at)
    assert s.critical_path == ("run",) and s.forecast_finish == T0 + timedelta(hours=1)
    assert s.margin == 3 * H and s.margin_level == "ok"
    assert s.remaining["hypercare"] == 3 * 86400  # still tracked as remaining work


# --- margin ---------------------------------------------------------------------------

def test_margin_levels() -> None:
    # window 4h from T; the work is 100 minutes
    d = diamond()
    at_t = compute_schedule(d.state, T0)
    assert at_t.margin == (4 * H - 100 * M) and at_t.margin_level == "ok"
    # 10% of 4h is 24 minutes: forecast ends 20 minutes before the end -> amber
    amber = compute_schedule(d.state, T0 + timedelta(minutes=120))
    assert amber.margin == 20 * M and amber.margin_level == "amber"
    just_ok = compute_schedule(d.state, T0 + timedelta(minutes=116))
    assert just_ok.margin == 24 * M and just_ok.margin_level == "ok"
    red = compute_schedule(d.state, T0 + timedelta(minutes=150))
    assert red.margin == -10 * M and red.margin_level == "red"


def test_window_end_from_the_template_when_only_opened() -> None:
    d = diamond(window=None)
    d.at = T0
    d.ok(OpenWindow)
    s = compute_schedule(d.state, T0 + timedelta(minutes=1))
    assert s.window_start == T0 and s.window_end == T0 + timedelta(hours=4)
    assert s.t_offset == 60 and s.margin_level == "ok"


def test_t_offset_is_negative_before_t() -> None:
    d = diamond()
    assert compute_schedule(d.state, T0 - timedelta(minutes=90)).t_offset == -90 * M
    assert compute_schedule(d.state, T0).t_offset == 0


# --- late items -------------------------------------------------------------------------

def test_running_past_its_estimate_is_late() -> None:
    d = diamond()
    d.move("a", A.START)
    d.tick(30 * M)
    assert compute_schedule(d.state, d.at).late == ()  # exactly on estimate: not late
    d.tick(15 * M)
    s = compute_schedule(d.state, d.at)
    assert [x.item for x in s.late] == ["a"]
    late = s.late[0]
    assert late.over_estimate == 15 * M and late.elapsed == 45 * M and late.estimate == 30 * M
    assert late.reason == "running 45m, estimate 30m (15m over)"
    assert s.is_late("a") and not s.is_late("b")


def test_open_past_due_is_late_and_closed_is_not() -> None:
    d = Driver(item("announce", phase="communicate", due=-7 * 86400),
               item("train", phase="communicate", due=-2 * 86400),
               item("budget", phase="plan", due=-14 * 86400))
    d.move("budget", A.DONE)
    now = T0 - timedelta(days=6)
    s = compute_schedule(d.state, now)
    assert s.late == (LateItem("announce", ItemStatus.TODO, due=-7 * 86400, t_offset=-6 * 86400),)
    assert s.late[0].overdue == 86400
    assert s.late[0].reason == "due T-1w, 1d overdue (todo)"
    later = compute_schedule(d.state, T0 + timedelta(hours=1))
    assert [x.item for x in later.late] == ["announce", "train"]


def test_both_reasons_are_given() -> None:
    d = Driver(item("a", estimate=10 * M, due=15 * M))
    d.at = T0
    d.move("a", A.START)
    s = compute_schedule(d.state, T0 + timedelta(minutes=20))
    assert s.late[0].reason == "running 20m, estimate 10m (10m over); due T+15m, 5m overdue (in_progress)"


def test_no_due_lateness_without_a_window() -> None:
    d = Driver(item("a", phase="plan", due=-86400), window=None)
    assert compute_schedule(d.state, T0).late == ()


# --- backout and the point of no return ------------------------------------------------

def cutover() -> Driver:
    return Driver(
        item("stop-apps", estimate=10 * M, rollback="Start the apps", rollback_estimate=5 * M),
        item("dns", depends_on=["stop-apps"], estimate=5 * M, rollback="Point DNS back",
             rollback_estimate=10 * M),
        item("upgrade", depends_on=["dns"], estimate=40 * M, point_of_no_return=True,
             rollback="Restore from backup", rollback_estimate=H),
        item("smoke", depends_on=["upgrade"], estimate=10 * M),
    )


def test_backout_plan_and_decide_by() -> None:
    d = cutover()
    s = compute_schedule(d.state, T0)
    assert s.backout == () and s.backout_total == 0
    assert s.rollback_decide_by == T0 + timedelta(hours=4)
    d.move("stop-apps", A.DONE)
    d.move("dns", A.DONE)
    s = compute_schedule(d.state, T0 + timedelta(minutes=30))
    assert [step.item for step in s.backout] == ["dns", "stop-apps"]
    assert s.backout_total == 15 * M
    assert s.rollback_decide_by == T0 + timedelta(hours=4) - timedelta(minutes=15)
    assert not s.rollback_decide_passed and not s.point_of_no_return_passed and s.can_roll_back
    late = compute_schedule(d.state, T0 + timedelta(hours=3, minutes=50))
    assert late.rollback_decide_passed


def test_point_of_no_return_passed() -> None:
    d = cutover()
    for step in ("stop-apps", "dns"):
        d.move(step, A.DONE)
    d.move("upgrade", A.DONE, confirm_ponr=True)
    s = compute_schedule(d.state, d.at)
    assert s.point_of_no_return_passed and not s.can_roll_back
    assert s.point_of_no_return_at == d.at and s.rollback_decide_by is None
    assert [step.item for step in s.backout] == ["upgrade", "dns", "stop-apps"]
    assert s.backout_total == H + 15 * M


# --- running and ready --------------------------------------------------------------------

def test_running_and_ready() -> None:
    d = Driver(item("a"), item("b"), item("c", depends_on=["a"]), item("e", depends_on=["b"]),
               item("go", kind="approval", approvers=["alice", "bob"]))
    s = compute_schedule(d.state, d.at)
    assert s.running == () and s.ready == ("a", "b", "go")
    d.move("a", A.DONE)
    d.move("b", A.START)
    d.ok(DecideApproval, item="go", go=True)  # half decided: running
    s = compute_schedule(d.state, d.at)
    assert s.running == ("b", "go")
    assert s.ready == ("c",)
    d.move("c", A.BLOCK, "waiting")
    assert compute_schedule(d.state, d.at).ready == ()
    d.ok(DecideApproval, item="go", go=True, by=BOB)
    assert compute_schedule(d.state, d.at).running == ("b",)


# --- caching and speed ------------------------------------------------------------------

def test_the_plan_is_computed_once_per_project() -> None:
    d = diamond()
    first = plan_for(d.state)
    d.ok(AddNote, text="x")  # apply carries the cache into the new state
    assert plan_for(d.state) is first
    other = diamond()
    assert plan_for(other.state) is not first


def test_the_schedule_leaves_no_cache_in_the_state() -> None:
    d = cutover()
    d.move("stop-apps", A.DONE)
    compute_schedule(d.state, d.at)
    assert d.state.extra == {}  # storage snapshots the state's fields


def test_a_cycle_does_not_hang_the_plan() -> None:
    specs = {"a": item("a", depends_on=["b"]), "b": item("b", depends_on=["a"]), "c": item("c")}
    plan = build_plan(specs)
    assert sorted(plan.order) == ["a", "b", "c"]
    assert plan.order[0] == "c"
    assert all(d < i for i, deps in enumerate(plan.deps) for d in deps)
    d = Driver(*specs.values())  # instantiate does not validate; the loader would refuse this
    s = compute_schedule(d.state, d.at)
    assert set(s.critical_path) <= {"a", "b", "c"}


def big_driver(n: int = 2000) -> Driver:
    rng = random.Random(3)
    specs = []
    phases = ("assess", "requirements", "plan", "test", "communicate", "execute", "monitor")
    for i in range(n):
        pool = [f"i{j}" for j in range(max(0, i - 40), i)]
        deps = rng.sample(pool, min(len(pool), rng.randint(0, 3)))
        specs.append(item(f"i{i}", phase=phases[i * 7 // n], depends_on=deps, estimate=rng.choice((60, 600)),
                          due=-86400 if i % 50 == 0 else None,
                          rollback="undo" if i % 10 == 0 else "", rollback_estimate=60))
    return Driver(*specs)


def test_schedule_of_2000_items_builds_its_plan_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # How fast is bench/bench_engine.py's job (target < 4 ms); here: the expensive part, the
    # plan of 2,000 items, is built once and reused by every later call, whatever the load.
    import updeck.models.plan as plan_module

    d = big_driver()
    state = d.state
    for i in range(0, 2000, 3):  # close about a third, in dependency order where possible
        result = decide(state, MoveItem(item=f"i{i}", action=A.SKIP, reason="bench", by=BOB, at=d.at))
        if isinstance(result, list):
            for event in result:
                state = apply(state, event)
    built: list[int] = []
    real_build = plan_module.build_plan
    monkeypatch.setattr(plan_module, "build_plan",
                        lambda *a, **k: built.append(1) or real_build(*a, **k))
    plan_module._PLANS.clear()
    now = T0 + timedelta(hours=1)
    first = compute_schedule(state, now)
    for _ in range(5):
        again = compute_schedule(state, now)
        assert again.forecast_finish == first.forecast_finish
    assert len(built) == 1


def test_window_changes_move_the_plan_not_the_cache() -> None:
    d = diamond()
    d.ok(PlanWindow, window=Window(T0 + timedelta(hours=1), T0 + timedelta(hours=5)))
    s = compute_schedule(d.state, d.at)
    assert s.planned_start("b") == T0 + timedelta(hours=1, minutes=30)
