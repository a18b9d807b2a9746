"""What the project report says: the domain projection a change manager attaches to the
change record.

Pure: :func:`build_report` turns a state, its schedule, the status log and ``now`` into
plain data (the JSON export). The phases, gates, approvals, late items, forecast and
backout come from :mod:`updeck.models.summary`; the wording of log entries from
:mod:`updeck.models.event_text`. The CLI's export writes this data as Markdown, HTML,
JSON or CSV (``updeck.tui.cli.export``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from updeck.models import rollups
from updeck.models.chain import head_label
from updeck.models.durations import format_ttime
from updeck.models.event_text import event_data
from updeck.models.event_text import iso as _iso
from updeck.models.events import Event, EventKind, verify_chain
from updeck.models.rollback import rollback_data
from updeck.models.schedule import Schedule
from updeck.models.state import Decision, ItemRun, ItemStatus, ProjectState
from updeck.models.summary import ProjectSummary, summarise
from updeck.models.template import ItemSpec

FORMATS: tuple[str, ...] = ("md", "html", "json", "csv")
REPORT_FORMAT = 1

Data = dict[str, Any]


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


def _item_data(spec: ItemSpec, run: ItemRun, schedule: Schedule, late: dict[str, str],
               late_open: set[str]) -> Data:
    planned_start = schedule.planned_start(spec.id)
    planned_finish = schedule.planned_finish(spec.id)
    late_reason = late.get(spec.id, "")
    actual = schedule.actual_duration(spec.id)
    variance = (actual - spec.estimate if actual is not None and spec.estimate is not None
                and run.status is ItemStatus.DONE else None)
    last = run.verifications[-1] if run.verifications else None
    return {
        "id": spec.id,
        "phase": spec.phase,
        "title": spec.title,
        "kind": spec.kind,
        "owner": spec.owner,
        "required": spec.required,
        "status": run.status.value,
        "by": run.by,
        "reason": run.reason,
        "estimate": spec.estimate,
        "at": format_ttime(spec.at) if spec.at is not None else None,
        "due": format_ttime(spec.due) if spec.due is not None else None,
        "planned_start": _iso(planned_start),
        "planned_finish": _iso(planned_finish),
        "actual_start": _iso(run.started_at),
        "actual_finish": _iso(run.finished_at),
        "actual_duration": round(actual, 3) if actual is not None else None,
        "variance": round(variance, 3) if variance is not None else None,
        "late": bool(late_reason),
        "late_reason": late_reason,
        "late_open": spec.id in late_open,
        "depends_on": list(spec.depends_on),
        "cost_planned": spec.cost,
        "cost_actual": run.actual_cost,
        "verify": spec.verify,
        "verification": None if last is None else {
            "exit_code": last.exit_code, "passed": last.passed, "failure": last.failure, "by": last.by,
            "at": _iso(last.at), "host": last.host, "duration": last.duration,
        },
        "point_of_no_return": spec.point_of_no_return,
    }


def _phase_data(summary: ProjectSummary, items: list[Data]) -> list[Data]:
    out: list[Data] = []
    for phase in summary.phases:
        mine = [i for i in items if i["phase"] == phase.id]
        if not mine:
            continue
        counts, gate = phase.progress, phase.gate
        starts = [s for i in mine if (s := i["actual_start"])]
        finishes = [f for i in mine if (f := i["actual_finish"])]
        planned_starts = [s for i in mine if (s := i["planned_start"])]
        planned_finishes = [f for i in mine if (f := i["planned_finish"])]
        out.append({
            "id": phase.id,
            "number": phase.number,
            "title": phase.title,
            "total": counts.total,
            "closed": counts.complete,
            "done": counts.done,
            "skipped": counts.skipped,
            "failed": counts.failed,
            "blocked": counts.blocked,
            "in_progress": counts.in_progress,
            "percent": phase.percent,
            "estimate_total": counts.estimate_total,
            "estimate_closed": counts.estimate_complete,
            "percent_by_estimate": phase.percent_by_estimate,
            "gate": "passed" if phase.gate_passed else "open",
            "gate_waiting_for": list(gate.holding),
            "planned_start": min(planned_starts) if planned_starts else None,
            "planned_finish": max(planned_finishes) if planned_finishes else None,
            "actual_start": min(starts) if starts else None,
            "actual_finish": max(finishes) if gate.complete and finishes else None,
            "late": [i["id"] for i in mine if i["late"]],
        })
    return out


def _approvals(summary: ProjectSummary) -> list[Data]:
    return [
        {
            "item": gate.item,
            "title": gate.title,
            "status": gate.status.value,
            "approvers": [a.approver for a in gate.approvers],
            "pending": list(gate.pending),
            "decisions": [
                {"approver": d.approver, "decision": "go" if d.go else "no-go", "by": d.by,
                 "who": d.who(), "at": _iso(d.at), "note": d.note,
                 "changed_from": _changed_from(d)}
                for d in gate.decisions
            ],
        }
        for gate in summary.approvals
    ]


def _changed_from(decision: Decision) -> Data | None:
    before = decision.previous
    if before is None:
        return None
    return {"decision": "go" if before.go else "no-go", "by": before.by, "who": before.who(),
            "at": _iso(before.at), "note": before.note}


def _approval_history(events: Sequence[Event]) -> list[Data]:
    """Every decision ever taken, including those changed later or cleared by a reopen."""
    return [
        {"item": e.item, "approver": e.payload.get("approver"),
         "decision": "go" if e.payload.get("go") else "no-go", "by": e.by.user,
         "who": e.by.who(), "at": _iso(e.at), "note": e.payload.get("note", ""),
         "change": bool(e.payload.get("change"))}
        for e in events if e.kind is EventKind.APPROVAL_DECIDED
    ]


def _closed_with_reason(state: ProjectState, status: ItemStatus) -> list[Data]:
    return [
        {"item": spec.id, "phase": spec.phase, "title": spec.title, "reason": run.reason,
         "by": run.by, "at": _iso(run.finished_at), "required": spec.required}
        for spec in state.specs.values()
        if (run := state.items[spec.id]).status is status
    ]


def _traceability(state: ProjectState) -> list[Data]:
    out: list[Data] = []
    for req in rollups.traceability(state):
        if req.passing:
            verdict = "covered"
        elif req.covered:
            verdict = "not yet passed"
        else:
            verdict = "no test"
        out.append({
            "requirement": req.item, "title": req.title, "priority": req.priority,
            "goal": req.goal, "status": verdict, "gap": req.flagged,
            "tests": [{"item": t.item, "status": t.status.value, "passes": t.passed,
                       "last_exit_code": t.last_exit_code} for t in req.tests],
        })
    return out


def _metrics(state: ProjectState) -> list[Data]:
    out: list[Data] = []
    for spec in state.specs.values():
        if spec.kind != "metric":
            continue
        run = state.items[spec.id]
        latest = run.metrics[-1] if run.metrics else None
        status = rollups.metric_status(spec, run)
        verdict = ("no reading" if latest is None else
                   "met" if status.met else "missed" if status.met is False else "not comparable")
        out.append({
            "item": spec.id, "title": spec.title, "baseline": spec.baseline,
            "target": spec.target, "latest": status.latest,
            "latest_at": _iso(latest.at) if latest else None,
            "latest_by": latest.by if latest else None,
            "met": status.met, "verdict": verdict, "why": status.reason,
            "readings": [{"value": m.value, "by": m.by, "at": _iso(m.at), "note": m.note}
                         for m in run.metrics],
        })
    return out


def _budget(state: ProjectState) -> Data:
    money = rollups.budget(state)
    return {
        "phases": [{"phase": b.key, "planned": b.planned, "actual": b.actual,
                    "difference": b.variance} for b in money.phases if b.planned or b.actual],
        "items": [{"item": b.key, "planned": b.planned, "actual": b.actual,
                   "difference": b.variance} for b in money.items],
        "planned": money.planned, "actual": money.actual, "difference": money.variance,
    }


def build_report(state: ProjectState, schedule: Schedule, events: Sequence[Event],
                 now: datetime) -> Data:
    """Everything the report says, as plain data (JSON-ready)."""
    project = state.project
    summary = summarise(state, schedule)
    late = summary.late_reasons
    late_open = {entry.item for entry in summary.late if entry.still_open}
    items = [_item_data(spec, state.items[spec.id], schedule, late, late_open)
             for spec in state.specs.values()]
    phases = _phase_data(summary, items)
    overall = summary.overall
    current = summary.current_phase_or_none
    chain = verify_chain(events)
    window_planned = state.window
    rollback = state.rollback
    return {
        "report": {"format": REPORT_FORMAT, "generator": "updeck", "generated_at": _iso(now)},
        "project": {
            "id": project.id, "name": project.name, "template_id": project.template_id,
            "template_version": project.template_version,
            "template_sha256": project.template_sha256,
            "rehearsal_of": project.rehearsal_of or None,
            "description": project.template.description,
            "variables": dict(project.variables),
            "created_at": _iso(state.created_at), "updated_at": _iso(state.updated_at),
            "stakeholders": [{"name": s.name, "role": s.role, "contact": s.contact}
                             for s in project.template.stakeholders],
        },
        "window": {
            "planned_start": _iso(window_planned.start),
            "planned_end": _iso(schedule.window_end),
            "planned_duration": _seconds(window_planned.start, schedule.window_end),
            "opened_at": _iso(state.opened_at), "closed_at": _iso(state.closed_at),
            "actual_duration": _seconds(state.opened_at, state.closed_at),
            "t_offset": schedule.t_offset,
            "timezone": project.timezone or "UTC",
        },
        "summary": {
            "items": overall.total, "closed": overall.complete,
            "percent": round(100 * overall.by_count),
            "percent_by_estimate": round(100 * overall.by_estimate),
            "current_phase": current,
            "forecast_finish": _iso(summary.forecast_finish),
            "margin": summary.margin, "margin_level": summary.margin_level,
            "critical_path": list(schedule.critical_path),
            "backout_total": summary.backout_total,
            "backout_steps": [{"item": s.item, "text": s.text, "estimate": s.estimate}
                              for s in summary.backout],
            "rollback_decide_by": _iso(summary.rollback_decide_by),
            "point_of_no_return_passed": summary.point_of_no_return_passed,
            "point_of_no_return_at": _iso(schedule.point_of_no_return_at),
            "rollback": None if rollback is None else {
                **rollback_data(state, now, schedule.window_end),
                "by": rollback.by, "total_estimate": rollback.total_estimate,
            },
            "outcome": summary.clock.outcome,
        },
        "phases": phases,
        "streams": [{"stream": s.id, "items": s.progress.total, "closed": s.progress.complete,
                     "percent": round(100 * s.progress.by_count), "failed": s.progress.failed,
                     "late": list(s.late)} for s in summary.streams],
        "items": items,
        "late": [{"item": e.item, "reason": e.reason, "open": e.still_open} for e in summary.late],
        "approvals": _approvals(summary),
        "approval_history": _approval_history(events),
        "skipped": _closed_with_reason(state, ItemStatus.SKIPPED),
        "failed": _closed_with_reason(state, ItemStatus.FAILED),
        "blocked": _closed_with_reason(state, ItemStatus.BLOCKED),
        "budget": _budget(state),
        "traceability": _traceability(state),
        "metrics": _metrics(state),
        "verifications": [
            {"item": item_id, "command": v.command, "exit_code": v.exit_code,
             "passed": v.passed, "failure": v.failure, "by": v.by, "at": _iso(v.at), "host": v.host,
             "duration": v.duration, "output_tail": v.output_tail}
            for item_id, run in state.items.items() for v in run.verifications
        ],
        "log_chain": {"intact": chain is None, "events": len(events),
                      "problem": str(chain) if chain else None,
                      "last_hash": events[-1].hash if events else None,
                      "head": head_label(events[-1].seq, events[-1].hash) if events
                      else head_label(0, "")},
        "log": [event_data(e) for e in events],
    }


