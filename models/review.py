"""The post-implementation review drafted from the status log: outcome, window planned
against actual, overruns, failures/skips/blocks with reasons, rollback, approvals,
verification evidence, metrics against targets, budget variance and lessons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from updeck.models import rollups
from updeck.models.event_text import iso
from updeck.models.events import Event, EventKind
from updeck.models.plan import plan_for
from updeck.models.schedule import Schedule
from updeck.models.state import ItemStatus, ProjectState
from updeck.models.summary import summarise
from updeck.models.timeline import planned_critical_path

Data = dict[str, Any]

PROBLEM_KINDS: dict[EventKind, str] = {
    EventKind.ITEM_FAILED: "failed",
    EventKind.ITEM_SKIPPED: "skipped",
    EventKind.ITEM_BLOCKED: "blocked",
}


def outcome(state: ProjectState) -> str:
    """``rolled back``, ``completed``, ``completed with failures``, ``not finished`` or
    ``not started`` (no execute work moved)."""
    if state.rollback is not None and state.rollback.started_at is not None:
        return "rolled back"
    execute = [state.items[s.id] for s in state.specs.values() if s.phase == "execute"]
    if execute and all(r.status is ItemStatus.TODO for r in execute):
        return "not started"
    required = [state.items[s.id] for s in state.specs.values()
                if s.phase == "execute" and s.required]
    if all(r.status in (ItemStatus.DONE, ItemStatus.SKIPPED, ItemStatus.FAILED) for r in execute):
        if any(r.status is ItemStatus.FAILED for r in required):
            return "completed with failures"
        return "completed"
    return "not finished"


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def build_review(state: ProjectState, schedule: Schedule, events: Sequence[Event]) -> Data:
    """What the review says, as plain data (``updeck review --format json``)."""
    summary = summarise(state, schedule)
    specs, runs = state.specs, state.items
    planned_start, planned_end = schedule.window_start, schedule.window_end
    planned = ((planned_end - planned_start).total_seconds()
               if planned_start is not None and planned_end is not None else None)
    actual = ((state.closed_at - state.opened_at).total_seconds()
              if state.opened_at is not None and state.closed_at is not None else None)
    critical = set(planned_critical_path(plan_for(state), specs))
    overruns: list[Data] = []
    for spec in specs.values():
        run = runs[spec.id]
        duration = run.actual_duration
        if run.status is ItemStatus.DONE and spec.estimate and duration is not None \
                and duration > spec.estimate:
            overruns.append({"item": spec.id, "title": spec.title, "phase": spec.phase,
                             "estimate": spec.estimate, "actual": _seconds(duration),
                             "over": _seconds(duration - spec.estimate),
                             "critical": spec.id in critical})
    overruns.sort(key=lambda o: -float(o["over"]))
    problems = [{"item": e.item, "status": PROBLEM_KINDS[e.kind], "reason": str(e.payload.get("reason", "")),
                 "at": iso(e.at), "by": e.by.user,
                 "now": runs[e.item].status.value if e.item in runs else None}
                for e in events if e.kind in PROBLEM_KINDS]
    approvals = [{
        "item": gate.item, "title": gate.title, "verdict": gate.verdict,
        "approvers": [{"approver": a.approver, "decision": a.decision, "by": a.by,
                       "who": a.who, "at": iso(a.at), "note": a.note} for a in gate.approvers],
    } for gate in summary.approvals]
    evidence = []
    for spec in specs.values():
        for v in runs[spec.id].verifications:
            evidence.append({"item": spec.id, "command": v.command, "exit_code": v.exit_code,
                             "passed": v.passed, "failure": v.failure, "by": v.by,
                             "at": iso(v.at), "host": v.host, "duration": v.duration})
    missing_evidence = [s.id for s in specs.values()
                        if s.verify and runs[s.id].status is ItemStatus.DONE
                        and not runs[s.id].verifications]
    metrics = [{"item": m.item, "target": m.target, "baseline": m.baseline, "latest": m.latest,
                "met": m.met, "reason": m.reason} for m in rollups.metric_statuses(state)]
    budget = rollups.budget(state)
    lessons = [{"text": str(e.payload.get("text", "")), "item": e.item, "by": e.by.user,
                "at": iso(e.at)}
               for e in events if e.kind is EventKind.NOTE and e.payload.get("lesson")]
    rollback = state.rollback
    return {
        "project": {"id": state.id, "name": state.project.name,
                    "template": state.project.template_id,
                    "rehearsal_of": state.project.rehearsal_of or None},
        "outcome": outcome(state),
        "window": {
            "planned_start": iso(planned_start), "planned_end": iso(planned_end),
            "planned_duration": planned,
            "opened_at": iso(state.opened_at), "closed_at": iso(state.closed_at),
            "actual_duration": _seconds(actual),
            "overrun": _seconds(actual - planned) if actual is not None and planned is not None
            else None,
        },
        "overruns": overruns,
        "problems": problems,
        "rollback": None if rollback is None or rollback.started_at is None else {
            "started_at": iso(rollback.started_at), "by": rollback.by, "reason": rollback.reason,
            "steps": [{"item": s.item, "text": s.text, "estimate": s.estimate}
                      for s in rollback.steps],
        },
        "approvals": approvals,
        "verification": {"records": evidence, "done_without_evidence": missing_evidence},
        "metrics": metrics,
        "budget": {"planned": budget.planned, "actual": budget.actual,
                   "variance": budget.total.variance,
                   "items": [{"item": line.key, "planned": line.planned, "actual": line.actual,
                              "variance": line.variance}
                             for line in budget.items if line.variance]},
        "lessons": lessons,
        "sign_off": [gate.item for gate in summary.approvals if gate.phase == "monitor"],
    }
