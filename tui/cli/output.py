"""What the CLI prints: status, lists, log lines, gates, as plain data and as text.

Every ``*_data`` function returns JSON-ready data (the ``--json`` output); the matching
``*_text`` function renders that same data for people. Plain text only: no colour, no
markup, so scripts and ``grep`` see exactly what people see.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from updeck.models.durations import format_duration
from updeck.models.events import Event
from updeck.models.rollback import rollback_data
from updeck.models.schedule import Schedule
from updeck.models.state import STATUS_SYMBOL, ItemStatus, ProjectState
from updeck.models.summary import item_gate, summarise, window_state
from updeck.models.text import block, json_visible, one_line
from updeck.tui.common.rollback_text import clock_line
from updeck.tui.common.site_time import site_stamp, site_zone
from updeck.tui.common.values import iso

Data = dict[str, Any]
HUMAN_LIST_LIMIT = 12


# Everything printed passes the one sanitiser: a note or a title holding terminal escape
# sequences must not repaint or retitle the reader's terminal (shown as \x1b instead).
clean = block


def emit(text: str) -> None:
    """Print and flush (scripts and pipes see each line at once)."""
    text = clean(text)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def emit_json(data: Any, *, indent: int | None = 2) -> None:
    """JSON with every control or invisible character as a JSON ``\\uXXXX`` escape: valid
    JSON, nothing lost, nothing that acts on the terminal."""
    text = json_visible(json.dumps(data, indent=indent, ensure_ascii=False))
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def stamp(moment: datetime | None) -> str:
    """``2026-12-05 22:14 UTC``; ``-`` for None."""
    if moment is None:
        return "-"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def t_label(offset: float | None) -> str:
    """``T-2h15m`` before the window start, ``T+40m`` after; ``T unset`` without one."""
    if offset is None:
        return "T unset"
    if abs(offset) < 60:
        return "T" + ("-" if offset < 0 else "+") + f"{int(abs(offset))}s"
    return ("T-" if offset < 0 else "T+") + format_duration(abs(offset))


def _more(items: Sequence[str], limit: int = HUMAN_LIST_LIMIT) -> list[str]:
    if len(items) <= limit:
        return list(items)
    return [*items[:limit], f"... and {len(items) - limit} more (--json lists them all)"]


# --- status ---------------------------------------------------------------------------

def window_data(state: ProjectState, schedule: Schedule) -> Data:
    return {
        "state": window_state(state),
        "planned_start": iso(state.window.start),
        "planned_end": iso(schedule.window_end),
        "opened_at": iso(state.opened_at),
        "closed_at": iso(state.closed_at),
        "t_offset": schedule.t_offset,
        "t": t_label(schedule.t_offset),
        "timezone": state.project.timezone or "UTC",
        "site_start": _site(state.window.start, state.project.timezone),
        "site_end": _site(schedule.window_end, state.project.timezone),
    }


def _site(moment: datetime | None, zone_name: str) -> str | None:
    """The moment as site wall-clock ISO text (with its offset), or None."""
    return None if moment is None else moment.astimezone(site_zone(zone_name)).isoformat()


def status_data(state: ProjectState, schedule: Schedule, now: datetime) -> Data:
    summary = summarise(state, schedule)
    phase_rows = []
    for phase in summary.phases:
        if not phase.in_template:
            continue
        progress = phase.progress
        phase_rows.append({
            "id": phase.id, "number": phase.number, "title": phase.title,
            "total": progress.total, "complete": progress.complete, "done": progress.done,
            "skipped": progress.skipped, "in_progress": progress.in_progress,
            "failed": progress.failed, "blocked": progress.blocked, "todo": progress.todo,
            "percent": phase.percent,
            "percent_by_estimate": phase.percent_by_estimate,
            "gate": "passed" if phase.gate_passed else "open",
            "holding": list(phase.gate.holding),
        })
    specs, items = state.specs, state.items
    late = {entry.item for entry in summary.open_late}

    def row(item_id: str, **extra: Any) -> Data:
        spec, run = specs[item_id], items[item_id]
        out: Data = {"item": item_id, "title": spec.title, "phase": spec.phase,
                     "owner": spec.owner, "status": run.status.value, "by": run.by}
        out.update(extra)
        return out

    running = [row(i, started_at=iso(items[i].started_at),
                   elapsed=schedule.actual_duration(i), estimate=specs[i].estimate,
                   late=i in late)
               for i in schedule.running]
    blocked = [row(i, reason=r.reason) for i, r in items.items() if r.status is ItemStatus.BLOCKED]
    failed = [row(i, reason=r.reason, finished_at=iso(r.finished_at))
              for i, r in items.items() if r.status is ItemStatus.FAILED]
    approvals = [row(gate.item, approvers=[a.approver for a in gate.approvers], go=list(gate.go),
                     no_go=list(gate.no_go), pending=list(gate.pending))
                 for gate in summary.open_approvals]
    rollback = summary.rollback
    overall = summary.overall
    clock = summary.clock
    return {
        "project": {"id": state.id, "name": state.project.name,
                    "template": state.project.template_id,
                    "template_version": state.project.template_version,
                    "rehearsal_of": state.project.rehearsal_of or None,
                    "timezone": state.project.timezone or "UTC"},
        "now": iso(now),
        "seq": state.seq,
        "updated_at": iso(state.updated_at),
        "current_phase": summary.current_phase_or_none,
        "overall": {"total": overall.total, "complete": overall.complete,
                    "percent": round(100 * overall.by_count),
                    "percent_by_estimate": round(100 * overall.by_estimate)},
        "phases": phase_rows,
        "running": running,
        "blocked": blocked,
        "failed": failed,
        "late": [row(e.item, reason=e.reason) for e in summary.open_late],
        "ready": list(schedule.ready),
        "approvals_pending": approvals,
        "window": window_data(state, schedule),
        "streams": [{"id": s.id, "total": s.progress.total, "complete": s.progress.complete,
                     "percent": round(100 * s.progress.by_count),
                     "in_progress": s.progress.in_progress, "failed": s.progress.failed,
                     "blocked": s.progress.blocked, "late": list(s.late)}
                    for s in summary.streams],
        "forecast": {
            "finish": iso(summary.forecast_finish),
            "remaining": schedule.critical_remaining,
            "waiting": schedule.critical_wait,
            "margin": summary.margin,
            "margin_level": summary.margin_level,
            "critical_path": list(schedule.critical_path),
        },
        "backout": {
            "total": summary.backout_total,
            "steps": [{"item": s.item, "text": s.text, "estimate": s.estimate}
                      for s in summary.backout],
            "decide_by": iso(summary.rollback_decide_by),
            "decide_by_passed": schedule.rollback_decide_passed,
            "point_of_no_return_passed": summary.point_of_no_return_passed,
            "rollback_started": None if rollback is None else {
                "at": iso(rollback.started_at), "by": rollback.by, "reason": rollback.reason},
            "point_of_no_return_at": iso(schedule.point_of_no_return_at),
            "rollback": rollback_data(state, now, schedule.window_end),
        },
        "cutover": {"state": clock.mode, "text": clock_line(clock), "outcome": clock.outcome,
                    "actual_duration": clock.actual_duration,
                    "planned_duration": clock.planned_duration},
    }


def _bar(percent: int, width: int = 10) -> str:
    filled = min(width, max(0, round(percent * width / 100)))
    return "[" + "#" * filled + "." * (width - filled) + "]"


def _margin_text(forecast: Data) -> str:
    margin = forecast["margin"]
    if margin is None:
        return "no window end to measure against"
    level = {"ok": "on time", "amber": "tight", "red": "LATE", "none": ""}[forecast["margin_level"]]
    if margin >= 0:
        return f"{format_duration(margin)} to spare ({level})"
    return f"{format_duration(-margin)} over the window ({level})"


def _when(text: str | None) -> str:
    return stamp(datetime.fromisoformat(text)) if text else "-"


def _site_when(text: str | None, zone_name: str) -> str:
    return site_stamp(datetime.fromisoformat(text), site_zone(zone_name)) if text else "-"


def status_text(data: Data) -> str:
    lines: list[str] = []
    project = data["project"]
    version = f" {project['template_version']}" if project["template_version"] else ""
    lines.append(f"{project['name']}  ({project['id']}, template {project['template']}{version})")
    if project.get("rehearsal_of"):
        lines[-1] = f"REHEARSAL of {project['rehearsal_of']}: " + lines[-1]
    window = data["window"]
    planned = ("not planned" if not window["planned_start"] else
               f"planned {_when(window['planned_start'])} to {_when(window['planned_end'])}")
    real = {"open": f"open since {_when(window['opened_at'])}",
            "closed": f"{_when(window['opened_at'])} to {_when(window['closed_at'])}",
            }.get(window["state"], "not opened")
    lines.append(f"Window    {planned}; real: {real}; now {window['t']}")
    if window.get("site_start") and window.get("timezone", "UTC") != "UTC":
        zone = window["timezone"]
        site = f"{_site_when(window['site_start'], zone)} to {_site_when(window['site_end'], zone)}"
        lines.append(f"Site      {site} ({window['timezone']})")
    forecast = data["forecast"]
    work = forecast["remaining"] - forecast.get("waiting", 0.0)
    waiting = (f" after {format_duration(forecast['waiting'])} waiting for the window"
               if forecast.get("waiting") else "")
    basis = f" (estimates: {forecast['basis']})" if forecast.get("basis") else ""
    lines.append(f"Forecast{basis}  finish {_when(forecast['finish'])}, "
                 f"{format_duration(work)} of work on the critical path{waiting}; "
                 f"margin {_margin_text(forecast)}")
    backout = data["backout"]
    cutover = data["cutover"]
    rb = backout["rollback"]
    if cutover["state"] in ("rollback", "fix_forward", "closed"):
        lines.append(f"Cutover   {cutover['text']}")
    if backout["point_of_no_return_passed"]:
        lines.append(f"Backout   none: point of no return passed "
                     f"{_when(backout['point_of_no_return_at'])}; fix forward")
    elif rb["state"] == "in_progress":
        lines.append(f"ROLLBACK  in progress since {_when(rb['started_at'])} by {rb['started_by']}: "
                     f"{rb['reason']} ('updeck rollback {project['id']} status' lists the steps)")
    else:
        decide = _when(backout["decide_by"])
        if backout["decide_by_passed"]:
            decide += " (passed)"
        undo = (f"{format_duration(backout['total'])} in {len(backout['steps'])} steps"
                if backout["steps"] else "nothing to undo yet")
        lines.append(f"Backout   {undo}; decide on rollback by {decide}; point of no return not passed")
        if rb["state"] in ("finished", "cancelled"):
            lines.append(f"Rollback  {rb['state']} {_when(rb['ended_at'])} by {rb['ended_by']}"
                         + (f": {rb['end_note']}" if rb["end_note"] else ""))
    overall = data["overall"]
    current = data["current_phase"] or "all gates passed"
    lines.append(f"Progress  {overall['complete']}/{overall['total']} items ({overall['percent']}%, "
                 f"{overall['percent_by_estimate']}% by estimate); current phase: {current}")
    lines.append("")
    lines.append("Phases")
    for p in data["phases"]:
        gate = "gate passed" if p["gate"] == "passed" else f"gate open ({len(p['holding'])} holding)"
        extra = []
        for key, word in (("in_progress", "running"), ("failed", "failed"), ("blocked", "blocked"),
                          ("skipped", "skipped")):
            if p[key]:
                extra.append(f"{p[key]} {word}")
        lines.append(f"  {p['number']}. {p['title']:<33} {_bar(p['percent'])} "
                     f"{p['complete']:>3}/{p['total']:<3} {p['percent']:>3}%  {gate}"
                     + (f"  [{', '.join(extra)}]" if extra else ""))
    if data.get("streams"):
        lines.append("")
        lines.append("Streams")
        for st in data["streams"]:
            extra = [f"{st[key]} {word}" for key, word in (("in_progress", "running"),
                     ("failed", "failed"), ("blocked", "blocked")) if st[key]]
            if st["late"]:
                extra.append(f"{len(st['late'])} late")
            lines.append(f"  {st['id']:<36} {_bar(st['percent'])} {st['complete']:>3}/{st['total']:<3} "
                         f"{st['percent']:>3}%" + (f"  [{', '.join(extra)}]" if extra else ""))

    def section(title: str, rows: list[str]) -> None:
        if rows:
            lines.append("")
            lines.append(f"{title} ({len(rows)})")
            lines.extend(f"  {r}" for r in _more(rows))

    sym = STATUS_SYMBOL
    section("Running", [
        f"{sym[ItemStatus.IN_PROGRESS]} {r['item']}: {r['title']} (by {r['by'] or '?'}, "
        f"{format_duration(r['elapsed'])} so far"
        + (f", estimate {format_duration(r['estimate'])}" if r["estimate"] else "") + ")"
        for r in data["running"]])
    section("Waiting for approval", [
        f"{r['item']}: {r['title']}: pending {', '.join(r['pending']) or '-'}"
        + (f"; go from {', '.join(r['go'])}" if r["go"] else "")
        for r in data["approvals_pending"]])
    section("Blocked", [f"{sym[ItemStatus.BLOCKED]} {r['item']}: {r['title']}: {r['reason']} (by {r['by']})"
                        for r in data["blocked"]])
    section("Failed", [f"{sym[ItemStatus.FAILED]} {r['item']}: {r['title']}: {r['reason']} (by {r['by']})"
                       for r in data["failed"]])
    section("Late", [f"{r['item']}: {r['title']}: {r['reason']}" for r in data["late"]])
    if data["ready"]:
        lines.append("")
        lines.append(f"Ready to start ({len(data['ready'])}): " + ", ".join(_more(data["ready"], 15)))
    return "\n".join(map(one_line, lines))


# --- list -------------------------------------------------------------------------------

def project_row(state: ProjectState, schedule: Schedule) -> Data:
    summary = summarise(state, schedule)
    overall = summary.overall
    return {
        "id": state.id,
        "name": state.project.name,
        "template": state.project.template_id,
        "template_version": state.project.template_version,
        "rehearsal_of": state.project.rehearsal_of or None,
        "current_phase": summary.current_phase_or_none,
        "total": overall.total,
        "complete": overall.complete,
        "percent": round(100 * overall.by_count),
        "window": window_data(state, schedule),
        "updated_at": iso(state.updated_at),
    }


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    body = [[one_line(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h)
              for i, h in enumerate(header)]
    out = ["  ".join(h.upper().ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for r in body:
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(out)


def list_text(rows: list[Data]) -> str:
    if not rows:
        return "no projects yet; create one with: updeck new TEMPLATE --name NAME"
    return table(
        ("id", "name", "template", "phase", "progress", "window"),
        [(r["id"], _run_name(r), r["template"], r["current_phase"] or "complete",
          f"{r['complete']}/{r['total']} {r['percent']}%",
          _window_short(r["window"])) for r in rows])


def _run_name(row: Data) -> str:
    return f"  REHEARSAL {row['name']}" if row.get("rehearsal_of") else row["name"]


def _window_short(window: Data) -> str:
    if window["state"] == "not planned":
        return "not planned"
    if window["state"] == "open":
        return f"OPEN since {_when(window['opened_at'])} ({window['t']})"
    if window["state"] == "closed":
        return f"closed {_when(window['closed_at'])}"
    return f"{_when(window['planned_start'])} ({window['t']})"


# --- log --------------------------------------------------------------------------------

def log_line(event: Event) -> str:
    """``#12  2026-12-05 22:14:03  alice  item_done  stop-apps  done: all writers stopped``."""
    from updeck.models.event_text import event_text

    at = event.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return one_line(f"#{event.seq:<4} {at}  {one_line(event.by.who()):<10} "
                    f"{event.kind.value:<21} {one_line(event.item or '-'):<14} "
                    f"{event_text(event)}")


def log_entry(event: Event) -> Data:
    from updeck.models.event_text import event_data

    return event_data(event)


# --- gate -------------------------------------------------------------------------------

def gate_data(state: ProjectState, item_id: str) -> Data:
    gate = item_gate(state, item_id)
    approvals = [{"approver": a.approver, "decision": a.decision, "by": a.by, "login": a.login or a.by,
                  "who": a.who, "at": iso(a.at), "note": a.note} for a in gate.approvers]
    return {"project": state.id, "item": item_id, "title": gate.title, "kind": gate.kind,
            "status": gate.status.value, "gate": gate.verdict, "reason": gate.reason,
            "approvals": approvals, "waiting_for": list(gate.waiting_for)}


def gate_text(data: Data) -> str:
    word = {"go": "GO", "no-go": "NO-GO", "pending": "PENDING"}[data["gate"]]
    lines = [f"{data['item']}: {data['title']}: {word} ({data['status']})"
             + (f": {data['reason']}" if data["reason"] and data["gate"] != "pending" else "")]
    for a in data["approvals"]:
        if a["decision"] is None:
            lines.append(f"  {a['approver']:<16} pending")
        else:
            lines.append(f"  {a['approver']:<16} {a['decision']:<6} by {a['who']} at {_when(a['at'])}"
                         + (f": {a['note']}" if a["note"] else ""))
    if data["waiting_for"] and data["gate"] == "pending":
        lines.append(f"  depends on: {', '.join(data['waiting_for'])} (not done yet)")
    return "\n".join(map(one_line, lines))
