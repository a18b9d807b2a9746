"""Roll-ups: progress, gates, current phase, budget, traceability, workload, metrics."""

from __future__ import annotations

import pytest
from updeck.models.commands import DecideApproval, RecordCost, RecordMetric, RecordVerification
from updeck.models.commands import ItemAction as A
from updeck.models.phases import PHASE_IDS
from updeck.models.rollups import (
    budget,
    compare_to_target,
    current_phase,
    gate,
    metric_status,
    metric_statuses,
    overall_progress,
    phase_progress,
    progress,
    traceability,
    unmet_musts,
    workload,
)
from updeck.models.state import ItemStatus

from tests.support.engine import Driver, item

S = ItemStatus


def plan() -> Driver:
    return Driver(
        item("inventory", phase="assess", estimate=1800, owner="dba"),
        item("limits", phase="assess", estimate=600, owner="dba", required=False),
        item("req-data", phase="requirements", priority="must", goal="Keep orders intact"),
        item("req-fast", phase="requirements", priority="should", goal="Fast checkout"),
        item("req-docs", phase="requirements", priority="must", goal="Docs for support"),
        item("budget-hw", phase="plan", cost=1200, owner="change-manager"),
        item("budget-lic", phase="plan", cost=300),
        item("rehearse", phase="test", covers=["req-data"], estimate=7200, owner="dba"),
        item("restore-test", phase="test", covers=["req-data", "req-fast"], estimate=3600, owner="dba",
             verify="pg_restore --list"),
        item("go", phase="execute", kind="approval", approvers=["alice"]),
        item("p95", phase="monitor", kind="metric", baseline="120ms", target="<= 150ms"),
    )


# --- progress ---------------------------------------------------------------------------

def test_progress_by_count_and_by_estimate() -> None:
    d = plan()
    d.move("inventory", A.DONE)
    d.move("limits", A.SKIP, "known")
    d.move("rehearse", A.START)
    d.move("restore-test", A.DONE)
    phases, overall = progress(d.state)
    assert [p.phase for p in phases] == list(PHASE_IDS)
    assess = phases[0]
    assert (assess.total, assess.complete, assess.done, assess.skipped) == (2, 2, 1, 1)
    assert assess.by_count == 1.0 and assess.by_estimate == 1.0
    test = phases[3]
    assert (test.total, test.complete, test.in_progress, test.open) == (2, 1, 1, 1)
    assert test.by_count == 0.5
    assert test.by_estimate == pytest.approx(3600 / 10800)
    assert overall.total == 11 and overall.complete == 3 and overall.in_progress == 1 and overall.todo == 7
    assert overall.estimate_total == 1800 + 600 + 7200 + 3600
    assert overall.estimate_complete == 1800 + 600 + 3600
    assert phase_progress(d.state, "test") == test


def test_progress_without_estimates_falls_back_to_count_and_empty_phases_are_complete() -> None:
    d = plan()
    d.move("budget-hw", A.FAIL, "over budget")
    d.move("budget-lic", A.DONE)
    phases, _ = progress(d.state)
    plan_phase = phases[2]
    assert plan_phase.estimate_total == 0 and plan_phase.by_estimate == plan_phase.by_count == 0.5
    assert plan_phase.failed == 1
    assert phases[4].total == 0 and phases[4].by_count == 1.0  # communicate: nothing to do


def test_overall_progress_matches_the_sum_of_phases() -> None:
    d = plan()
    d.move("inventory", A.DONE)
    d.move("go", A.BLOCK, "wait")
    _, overall = progress(d.state)
    direct = overall_progress(d.state)
    assert direct == overall
    assert direct.blocked == 1 and direct.complete == 1


# --- gates ------------------------------------------------------------------------------

def test_gate_holds_on_required_items_only() -> None:
    d = plan()
    g = gate(d.state, "assess")
    assert not g.complete and g.holding == ("inventory",) and g.failed == ()
    d.move("inventory", A.DONE)
    assert gate(d.state, "assess").complete  # the optional "limits" does not hold it


def test_a_skipped_item_opens_the_gate_and_a_failed_optional_one_does_not_hold_it() -> None:
    d = plan()
    d.move("inventory", A.SKIP, "inventory is in the CMDB")
    d.move("limits", A.FAIL, "could not measure")  # limits is optional
    g = gate(d.state, "assess")
    assert g.complete and g.holding == () and g.failed == ("limits",)  # still reported
    d.move("inventory", A.REOPEN, "the CMDB is out of date")
    d.move("inventory", A.FAIL, "hosts unreachable")  # a failed required item holds it
    g = gate(d.state, "assess")
    assert not g.complete and g.holding == ("inventory",) and g.failed == ("inventory", "limits")


def test_approval_gate_needs_the_go() -> None:
    d = plan()
    assert gate(d.state, "execute").holding == ("go",)
    d.ok(DecideApproval, item="go", go=False, note="not ready")
    g = gate(d.state, "execute")
    assert g.failed == ("go",) and not g.complete
    d.move("go", A.REOPEN, "ready now")
    d.ok(DecideApproval, item="go", go=True)
    assert gate(d.state, "execute").complete


def test_an_empty_or_missing_phase_gate_is_complete() -> None:
    d = plan()
    g = gate(d.state, "communicate")
    assert g.complete and g.holding == ()


def test_current_phase() -> None:
    d = plan()
    assert current_phase(d.state) == "assess"
    d.move("inventory", A.DONE)
    assert current_phase(d.state) == "requirements"
    for req in ("req-data", "req-fast", "req-docs"):
        d.move(req, A.DONE)
    assert current_phase(d.state) == "plan"
    for step in ("budget-hw", "budget-lic", "rehearse", "restore-test"):
        d.move(step, A.DONE)
    assert current_phase(d.state) == "execute"  # communicate is empty (absent)
    d.ok(DecideApproval, item="go", go=True)
    assert current_phase(d.state) == "monitor"
    d.ok(RecordMetric, item="p95", value="140ms")
    d.move("p95", A.DONE)
    assert current_phase(d.state) == "monitor"  # all complete: the last phase


# --- budget -----------------------------------------------------------------------------

def test_budget_per_phase_items_and_total() -> None:
    d = plan()
    d.ok(RecordCost, item="budget-hw", amount=1000.0)
    d.ok(RecordCost, item="budget-hw", amount=400.0)
    d.ok(RecordCost, item="rehearse", amount=50.0)  # an actual cost without a plan
    b = budget(d.state)
    assert [line.key for line in b.phases] == list(PHASE_IDS)
    plan_line = b.phases[2]
    assert (plan_line.planned, plan_line.actual, plan_line.variance) == (1500.0, 1400.0, -100.0)
    assert plan_line.variance_ratio == pytest.approx(-100 / 1500)
    test_line = b.phases[3]
    assert (test_line.planned, test_line.actual, test_line.variance_ratio) == (0.0, 50.0, None)
    assert [(line.key, line.planned, line.actual) for line in b.items] == [
        ("budget-hw", 1200.0, 1400.0), ("budget-lic", 300.0, 0.0), ("rehearse", 0.0, 50.0)]
    assert (b.planned, b.actual, b.variance) == (1500.0, 1450.0, -50.0)


# --- traceability -------------------------------------------------------------------------

def test_traceability_flags_musts_without_a_passing_test() -> None:
    d = plan()
    reqs = {r.item: r for r in traceability(d.state)}
    assert list(reqs) == ["req-data", "req-fast", "req-docs"]
    data = reqs["req-data"]
    assert (data.priority, data.goal) == ("must", "Keep orders intact")
    assert [t.item for t in data.tests] == ["rehearse", "restore-test"]
    assert data.covered and not data.passing and data.flagged
    assert not reqs["req-docs"].covered and reqs["req-docs"].flagged
    assert not reqs["req-fast"].flagged  # a should is never flagged
    assert unmet_musts(d.state) == ("req-data", "req-docs")


def test_a_test_passes_when_done_and_its_last_check_exited_zero() -> None:
    d = plan()
    check = {"command": "pg_restore --list", "output_tail": "", "duration": 1.0, "host": "db1"}
    d.ok(RecordVerification, item="restore-test", exit_code=0, **check)
    assert traceability(d.state)[0].tests[1].passed is False  # a good check alone is not enough
    d.move("restore-test", A.DONE)
    link = traceability(d.state)[0].tests[1]
    assert link.passed and link.status is S.DONE and link.last_exit_code == 0
    assert unmet_musts(d.state) == ("req-docs",)
    d.ok(RecordVerification, item="restore-test", exit_code=3, **check)  # the last check now fails
    link = traceability(d.state)[0].tests[1]
    assert not link.passed and link.last_exit_code == 3
    assert unmet_musts(d.state) == ("req-data", "req-docs")
    d.move("rehearse", A.DONE)  # a done test without any check passes
    assert traceability(d.state)[0].passing
    assert not traceability(d.state)[1].passing  # req-fast: only the failing restore-test covers it
    assert unmet_musts(d.state) == ("req-docs",)


def test_a_skipped_test_does_not_pass() -> None:
    d = plan()
    d.move("rehearse", A.SKIP, "no hardware")
    assert not traceability(d.state)[0].tests[0].passed


# --- workload ---------------------------------------------------------------------------

def test_workload_per_owner() -> None:
    d = plan()
    d.move("inventory", A.DONE)
    rows = {w.owner: w for w in workload(d.state)}
    assert list(rows) == ["", "change-manager", "dba"]
    dba = rows["dba"]
    assert (dba.items, dba.open_items) == (4, 3)
    assert dba.estimate_total == 1800 + 600 + 7200 + 3600
    assert dba.estimate_open == 600 + 7200 + 3600
    assert (rows["change-manager"].items, rows["change-manager"].estimate_total) == (1, 0)
    assert rows[""].items == 6


# --- metrics ----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "target", "met"), [
    ("142ms", "<= 150ms", True),
    ("150ms", "<= 150ms", True),
    ("151ms", "<= 150ms", False),
    ("0.14s", "<= 150ms", True),
    ("0.2 s", "<= 150ms", False),
    ("99.95%", ">= 99.9%", True),
    ("99.8%", ">= 99.9%", False),
    ("1500ms", "< 2s", True),
    ("2s", "< 2s", False),
    ("1m", "< 2s", False),
    ("0", "== 0", True),
    ("3", "== 0", False),
    ("0.5h", "> 20m", True),
    ("140", "<= 150ms", True),  # a bare reading is in the target's unit
    ("120", ">= 100 per second", True),  # the qualifier is shown, not compared
    ("0.9%", "<= 0.5% of requests", False),
])
def test_compare_to_target(value: str, target: str, met: bool) -> None:
    assert compare_to_target(value, target)[0] is met


@pytest.mark.parametrize(("value", "target"), [
    ("142ms", "<= 99%"), ("fast", "<= 150ms"), ("142ms", "about 150ms"), ("12 GB", "< 10 rps"),
])
def test_not_comparable(value: str, target: str) -> None:
    met, reason = compare_to_target(value, target)
    assert met is None and reason


def test_a_target_without_a_comparator_is_not_comparable() -> None:
    met, reason = compare_to_target("150ms", "150ms")
    assert met is None and "comparator" in reason


def test_metric_status_uses_the_latest_reading() -> None:
    d = plan()
    spec = d.state.specs["p95"]
    status = metric_status(spec, d.state.items["p95"])
    assert (status.latest, status.met, status.reason) == (None, None, "no reading yet")
    d.ok(RecordMetric, item="p95", value="180ms")
    assert metric_status(spec, d.state.items["p95"]).met is False
    d.ok(RecordMetric, item="p95", value="140ms")
    status = metric_status(spec, d.state.items["p95"])
    assert (status.latest, status.met, status.baseline) == ("140ms", True, "120ms")
    assert status.reason == "140ms meets <= 150ms"
    assert [m.item for m in metric_statuses(d.state)] == ["p95"]


def test_metric_without_target() -> None:
    d = Driver(item("m", phase="monitor", kind="metric"))
    d.ok(RecordMetric, item="m", value="5")
    status = metric_status(d.state.specs["m"], d.state.items["m"])
    assert status.met is None and status.reason == "no target set"
