"""updeck.models.summary: one picture of how a project is doing, read by status, gate, the
report and the dashboard."""

from __future__ import annotations

from datetime import timedelta

from updeck.models.commands import DecideApproval, ItemAction
from updeck.models.phases import PHASE_IDS
from updeck.models.report import build_report
from updeck.models.schedule import compute_schedule
from updeck.models.summary import item_gate, summarise
from updeck.tui.cli.output import gate_data, status_data
from updeck.tui.dashboard.view import project_view

from tests.support.engine import ALICE, BOB, T0, Driver, item

A = ItemAction


def driver() -> Driver:
    return Driver(
        item("inventory", "assess", estimate=600),
        item("optional", "assess", required=False),
        item("go", "execute", kind="approval", approvers=["change-manager", "app-owner"]),
        item("cab", "execute", kind="approval", approvers=["cab"]),
        item("stop", "execute", depends_on=["go"], estimate=600, rollback="start again",
             rollback_estimate=300),
        item("watch", "monitor", due=3600),
    )


def test_phases_gates_and_their_states() -> None:
    d = driver()
    d.move("inventory", A.START)
    d.tick(1200)  # 20 minutes on a 10-minute estimate
    d.move("inventory", A.DONE)
    d.move("optional", A.FAIL, "not needed")
    d.ok(DecideApproval, item="cab", go=False, approver="cab", note="not today", by=BOB)
    summary = summarise(d.state, compute_schedule(d.state, d.at))
    assess, execute, requirements = (summary.phase(p) for p in ("assess", "execute", "requirements"))
    assert assess.gate_passed and assess.gate_state == "passed"  # a failed optional item does not hold it
    assert execute.gate_state == "nogo" and "cab" in execute.gate.holding
    assert requirements.gate_state == "empty" and not requirements.in_template
    assert summary.current_phase == "execute" and summary.current_phase_or_none == "execute"
    assert tuple(p.id for p in summary.phases) == PHASE_IDS


def test_approvals_say_who_decided_for_each_approver() -> None:
    d = driver()
    d.ok(DecideApproval, item="go", go=True, approver="change-manager", note="ok", by=ALICE)
    summary = summarise(d.state, compute_schedule(d.state, d.at))
    go = summary.approval("go")
    assert go.verdict == "pending" and go.status.value == "in_progress"
    assert go.go == ("change-manager",) and go.pending == ("app-owner",) and go.no_go == ()
    first = go.approvers[0]
    assert (first.approver, first.decision, first.by, first.note) == ("change-manager", "go", "alice", "ok")
    assert go.approvers[1].decision is None and go.approvers[1].by is None
    assert [a.item for a in summary.open_approvals] == ["go", "cab"]
    d.ok(DecideApproval, item="go", go=True, approver="app-owner", by=BOB)
    summary = summarise(d.state, compute_schedule(d.state, d.at))
    assert summary.approval("go").verdict == "go"
    assert [a.item for a in summary.open_approvals] == ["cab"]
    assert item_gate(d.state, "stop").approvers == ()  # any item can be asked as a gate


def test_late_items_open_and_finished() -> None:
    d = driver()
    now = T0 + timedelta(hours=2)  # watch is due at T+1h and still open
    summary = summarise(d.state, compute_schedule(d.state, now))
    assert [(e.item, e.still_open) for e in summary.late] == [("watch", True)]
    assert "overdue" in summary.late_reasons["watch"]
    assert summary.phase("monitor").late == ("watch",)
    assert [li.item for li in summary.open_late] == ["watch"]
    d.at = now
    d.move("watch", A.START)
    d.move("watch", A.DONE)
    summary = summarise(d.state, compute_schedule(d.state, now))
    assert [(e.item, e.still_open) for e in summary.late] == [("watch", False)]
    assert summary.late_reasons["watch"] == "finished 1h after its due time (T+1h)"
    assert summary.phase("monitor").late == () and summary.open_late == ()


def test_status_report_gate_and_dashboard_agree() -> None:
    d = driver()
    d.move("inventory", A.START)
    d.ok(DecideApproval, item="go", go=True, approver="change-manager", by=ALICE)
    d.ok(DecideApproval, item="cab", go=False, approver="cab", by=BOB)
    now = T0 + timedelta(hours=2)
    schedule = compute_schedule(d.state, now)
    summary = summarise(d.state, schedule)
    status = status_data(d.state, schedule, now)
    report = build_report(d.state, schedule, d.events, now)
    view = project_view(d.state, now)
    assert status["current_phase"] == report["summary"]["current_phase"] == summary.current_phase
    assert view.current_phase == summary.current_phase
    by_status = {p["id"]: p["gate"] for p in status["phases"]}
    by_report = {p["id"]: p["gate"] for p in report["phases"]}
    by_view = {p.id: p.gate for p in view.phases if p.total}
    assert by_status == by_report
    assert {k: ("passed" if v == "passed" else "open") for k, v in by_view.items()} == by_report
    pending = {a["item"]: a["pending"] for a in status["approvals_pending"]}
    assert pending == {a["item"]: a["pending"] for a in report["approvals"]} == {
        "go": ["app-owner"], "cab": []}
    gate = gate_data(d.state, "go")
    assert [(a["approver"], a["decision"], a["by"]) for a in gate["approvals"]] == [
        ("change-manager", "go", "alice"), ("app-owner", None, None)]
    assert status["forecast"]["margin"] == report["summary"]["margin"] == summary.margin
    assert status["backout"]["decide_by"] == report["summary"]["rollback_decide_by"]
