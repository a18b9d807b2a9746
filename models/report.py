"""The project report a change manager attaches to the change record.

Pure: :func:`build_report` turns a state, its schedule, the status log and ``now`` into
plain data (the JSON export), and :func:`render` writes that data as Markdown, HTML, JSON
or CSV. No I/O, no third-party imports. The HTML is one self-contained file (inline CSS,
no scripts, no external references) and every piece of text in it is escaped.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from updeck.models import rollups
from updeck.models.durations import format_duration, format_ttime
from updeck.models.events import Event, EventKind, verify_chain
from updeck.models.phases import PHASES
from updeck.models.schedule import Schedule
from updeck.models.state import STATUS_WORD, ItemRun, ItemStatus, ProjectState
from updeck.models.template import ItemSpec

FORMATS: tuple[str, ...] = ("md", "html", "json", "csv")
REPORT_FORMAT = 1

Data = dict[str, Any]

# --- one line per event --------------------------------------------------------------

_MOVE_WORD: dict[EventKind, str] = {
    EventKind.ITEM_STARTED: "started",
    EventKind.ITEM_DONE: "done",
    EventKind.ITEM_FAILED: "failed",
    EventKind.ITEM_SKIPPED: "skipped",
    EventKind.ITEM_BLOCKED: "blocked",
    EventKind.ITEM_UNBLOCKED: "unblocked",
    EventKind.ITEM_REOPENED: "reopened",
}


def event_text(event: Event) -> str:
    """One line of plain text that says what an event did (no item id for item moves:
    the item is a column of its own)."""
    p = event.payload
    kind = event.kind
    if kind in _MOVE_WORD:
        reason = str(p.get("reason", "") or "")
        text = _MOVE_WORD[kind]
        if kind is EventKind.ITEM_UNBLOCKED and p.get("to"):
            text += f" (back to {p['to']})"
        return text + (f": {reason}" if reason else "")
    if kind is EventKind.APPROVAL_DECIDED:
        word = "GO" if p.get("go") else "NO-GO"
        note = str(p.get("note", "") or "")
        return f"{word} from {p.get('approver', '?')}" + (f": {note}" if note else "")
    if kind is EventKind.NOTE:
        return f"note: {p.get('text', '')}"
    if kind is EventKind.VERIFICATION_RECORDED:
        code = p.get("exit_code")
        verdict = "passed" if code == 0 else f"failed (exit {code})"
        seconds = float(p.get("duration", 0.0) or 0.0)
        took = f"{seconds:.1f}s" if seconds < 60 else format_duration(seconds)
        return f"verification {verdict} in {took} on {p.get('host') or '?'}: {p.get('command', '')}"
    if kind is EventKind.WINDOW_PLANNED:
        window = p.get("window") or {}
        return f"window planned {_span(window.get('start'), window.get('end'))}"
    if kind is EventKind.WINDOW_OPENED:
        return "cutover window opened"
    if kind is EventKind.WINDOW_CLOSED:
        return "cutover window closed"
    if kind is EventKind.ROLLBACK_STARTED:
        summary = str(p.get("summary", "") or "")
        return f"rollback started: {p.get('reason', '')}" + (f" ({summary})" if summary else "")
    if kind is EventKind.METRIC_RECORDED:
        note = str(p.get("note", "") or "")
        return f"reading {p.get('value', '')}" + (f": {note}" if note else "")
    if kind is EventKind.COST_RECORDED:
        note = str(p.get("note", "") or "")
        return f"cost {_money(p.get('amount'))}" + (f": {note}" if note else "")
    if kind is EventKind.PROJECT_CREATED:
        project = p.get("project") or {}
        version = project.get("template_version") or ""
        return (f"project {project.get('name', '?')!r} created from template "
                f"{project.get('template_id', '?')}" + (f" {version}" if version else ""))
    return str(kind)  # pragma: no cover - every kind is handled above


def event_data(event: Event) -> Data:
    """An event as one log entry: time, operator, kind, item, human text (and the rest)."""
    return {
        "seq": event.seq,
        "at": _iso(event.at),
        "by": event.by.user,
        "host": event.by.host,
        "ssh_client": event.by.ssh_client,
        "kind": str(event.kind),
        "item": event.item,
        "text": event_text(event),
        "payload": _plain(event.payload),
        "hash": event.hash,
    }


# --- the facts ---------------------------------------------------------------------

def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _span(start_text: Any, end_text: Any) -> str:
    """``2026-12-05 22:00 → 12-06 04:00 UTC`` (the end's date only when it differs)."""
    try:
        start = datetime.fromisoformat(str(start_text)).astimezone(UTC)
    except ValueError:
        return f"{_short(start_text)} → {_short(end_text)}"
    try:
        end = datetime.fromisoformat(str(end_text)).astimezone(UTC)
    except ValueError:
        return f"{start:%Y-%m-%d %H:%M} UTC, no end"
    end_shown = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M} → {end_shown} UTC"


def _short(text: Any) -> str:
    if not text:
        return "?"
    try:
        return datetime.fromisoformat(str(text)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return str(text)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return _iso(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _money(value: Any) -> str:
    if value is None or value == "":
        return "-"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:,.2f}"


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


LATE_SLACK = 60.0  # seconds past a deadline before a finished item counts as late


def finished_late(spec: ItemSpec, run: ItemRun, schedule: Schedule) -> str:
    """Why a done item finished late (after its due time, else after its planned finish),
    or ``""``."""
    finish = run.finished_at
    if finish is None or run.status is not ItemStatus.DONE:
        return ""
    t = schedule.window_start
    if spec.due is not None and t is not None:
        over = (finish - t).total_seconds() - spec.due
        if over > LATE_SLACK:
            return f"finished {format_duration(over)} after its due time ({format_ttime(spec.due)})"
        return ""
    planned = schedule.planned_finish(spec.id)
    if planned is not None:
        over = (finish - planned).total_seconds()
        if over > LATE_SLACK:
            return f"finished {format_duration(over)} after its planned finish"
    return ""


def _item_data(spec: ItemSpec, run: ItemRun, schedule: Schedule, late: Mapping[str, str]) -> Data:
    planned_start = schedule.planned_start(spec.id)
    planned_finish = schedule.planned_finish(spec.id)
    late_reason = late.get(spec.id) or finished_late(spec, run, schedule)
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
        "late_open": spec.id in late,
        "depends_on": list(spec.depends_on),
        "cost_planned": spec.cost,
        "cost_actual": run.actual_cost,
        "verify": spec.verify,
        "verification": None if last is None else {
            "exit_code": last.exit_code, "passed": last.passed, "by": last.by,
            "at": _iso(last.at), "host": last.host, "duration": last.duration,
        },
        "point_of_no_return": spec.point_of_no_return,
    }


def _phase_data(state: ProjectState, items: list[Data]) -> list[Data]:
    out: list[Data] = []
    for phase in PHASES:
        mine = [i for i in items if i["phase"] == phase.id]
        if not mine:
            continue
        counts = rollups.phase_progress(state, phase.id)
        gate = rollups.gate(state, phase.id)
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
            "percent": round(100 * counts.by_count),
            "estimate_total": counts.estimate_total,
            "estimate_closed": counts.estimate_complete,
            "percent_by_estimate": round(100 * counts.by_estimate),
            "gate": "passed" if gate.complete else "open",
            "gate_waiting_for": list(gate.holding),
            "planned_start": min(planned_starts) if planned_starts else None,
            "planned_finish": max(planned_finishes) if planned_finishes else None,
            "actual_start": min(starts) if starts else None,
            "actual_finish": max(finishes) if gate.complete and finishes else None,
            "late": [i["id"] for i in mine if i["late"]],
        })
    return out


def _approvals(state: ProjectState) -> list[Data]:
    out: list[Data] = []
    for spec in state.specs.values():
        if not spec.is_approval:
            continue
        run = state.items[spec.id]
        decided = {d.approver: d for d in run.decisions}
        out.append({
            "item": spec.id,
            "title": spec.title,
            "status": run.status.value,
            "approvers": list(spec.approvers),
            "pending": [a for a in spec.approvers if a not in decided],
            "decisions": [
                {"approver": d.approver, "decision": "go" if d.go else "no-go", "by": d.by,
                 "at": _iso(d.at), "note": d.note}
                for d in run.decisions
            ],
        })
    return out


def _approval_history(events: Sequence[Event]) -> list[Data]:
    """Every decision ever taken, including those a reopen later cleared."""
    return [
        {"item": e.item, "approver": e.payload.get("approver"),
         "decision": "go" if e.payload.get("go") else "no-go", "by": e.by.user,
         "at": _iso(e.at), "note": e.payload.get("note", "")}
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
    late = {entry.item: entry.reason for entry in schedule.late}
    items = [_item_data(spec, state.items[spec.id], schedule, late)
             for spec in state.specs.values()]
    phases = _phase_data(state, items)
    overall = rollups.overall_progress(state)
    all_passed = all(p["gate"] == "passed" for p in phases)
    current = None if all_passed else rollups.current_phase(state)
    chain = verify_chain(events)
    window_planned = state.window
    rollback = state.rollback
    return {
        "report": {"format": REPORT_FORMAT, "generator": "updeck", "generated_at": _iso(now)},
        "project": {
            "id": project.id, "name": project.name, "template_id": project.template_id,
            "template_version": project.template_version,
            "template_sha256": project.template_sha256,
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
        },
        "summary": {
            "items": overall.total, "closed": overall.complete,
            "percent": round(100 * overall.by_count),
            "percent_by_estimate": round(100 * overall.by_estimate),
            "current_phase": current,
            "forecast_finish": _iso(schedule.forecast_finish),
            "margin": schedule.margin, "margin_level": schedule.margin_level,
            "critical_path": list(schedule.critical_path),
            "backout_total": schedule.backout_total,
            "backout_steps": [{"item": s.item, "text": s.text, "estimate": s.estimate}
                              for s in schedule.backout],
            "rollback_decide_by": _iso(schedule.rollback_decide_by),
            "point_of_no_return_passed": schedule.point_of_no_return_passed,
            "rollback": None if rollback is None else {
                "started_at": _iso(rollback.started_at), "by": rollback.by,
                "reason": rollback.reason, "total_estimate": rollback.total_estimate,
            },
        },
        "phases": phases,
        "items": items,
        "late": [{"item": i["id"], "reason": i["late_reason"], "open": i["late_open"]}
                 for i in items if i["late"]],
        "approvals": _approvals(state),
        "approval_history": _approval_history(events),
        "skipped": _closed_with_reason(state, ItemStatus.SKIPPED),
        "failed": _closed_with_reason(state, ItemStatus.FAILED),
        "blocked": _closed_with_reason(state, ItemStatus.BLOCKED),
        "budget": _budget(state),
        "traceability": _traceability(state),
        "metrics": _metrics(state),
        "verifications": [
            {"item": item_id, "command": v.command, "exit_code": v.exit_code,
             "passed": v.passed, "by": v.by, "at": _iso(v.at), "host": v.host,
             "duration": v.duration, "output_tail": v.output_tail}
            for item_id, run in state.items.items() for v in run.verifications
        ],
        "log_chain": {"intact": chain is None, "events": len(events),
                      "problem": str(chain) if chain else None,
                      "last_hash": events[-1].hash if events else None},
        "log": [event_data(e) for e in events],
    }


# --- renderers ----------------------------------------------------------------------

def render(fmt: str, state: ProjectState, schedule: Schedule, events: Sequence[Event],
           now: datetime) -> str:
    """The report in one of :data:`FORMATS`."""
    if fmt not in _RENDERERS:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return _RENDERERS[fmt](build_report(state, schedule, events, now))


def render_json(data: Data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


CSV_COLUMNS: tuple[str, ...] = (
    "phase", "id", "title", "kind", "owner", "required", "status", "by", "reason",
    "estimate", "planned_start", "planned_finish", "actual_start", "actual_finish",
    "actual_duration", "variance", "late", "late_reason", "cost_planned", "cost_actual",
    "verification",
)


def render_csv(data: Data) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in data["items"]:
        row = dict(item)
        row["required"] = "yes" if item["required"] else "no"
        row["late"] = "yes" if item["late"] else "no"
        row["estimate"] = format_duration(item["estimate"], empty="")
        row["actual_duration"] = format_duration(item["actual_duration"], empty="")
        row["variance"] = _signed(item["variance"], empty="")
        check = item["verification"]
        row["verification"] = ("" if check is None else
                               "passed" if check["passed"] else f"failed (exit {check['exit_code']})")
        writer.writerow(["" if row[c] is None else _csv_safe(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def _csv_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        if value[:1] in "+-" and value[1:2].isdigit():
            return value
        return "'" + value
    return value


def _signed(seconds: float | None, *, empty: str = "-") -> str:
    if seconds is None:
        return empty
    if abs(seconds) < 30:
        return "on estimate"
    return ("+" if seconds > 0 else "-") + format_duration(abs(seconds))


def _when(text: str | None) -> str:
    return _short(text) if text else "-"


def _dur(seconds: float | None) -> str:
    return format_duration(seconds, empty="-")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


class _Doc:
    """The report's structure once, written as Markdown or HTML."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def title(self, text: str) -> None:
        raise NotImplementedError

    def heading(self, text: str) -> None:
        raise NotImplementedError

    def para(self, text: str) -> None:
        raise NotImplementedError

    def facts(self, rows: Iterable[tuple[str, str]]) -> None:
        raise NotImplementedError

    def table(self, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
        raise NotImplementedError

    def pre(self, text: str) -> None:
        raise NotImplementedError

    def text(self) -> str:
        return "".join(self.parts)


def _md_cell(text: str) -> str:
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ")
            .replace("\n", " ").strip()) or " "


class _Markdown(_Doc):
    def title(self, text: str) -> None:
        self.parts.append(f"# {_md_cell(text)}\n\n")

    def heading(self, text: str) -> None:
        self.parts.append(f"## {_md_cell(text)}\n\n")

    def para(self, text: str) -> None:
        self.parts.append(f"{text}\n\n")

    def facts(self, rows: Iterable[tuple[str, str]]) -> None:
        for key, value in rows:
            self.parts.append(f"- **{_md_cell(key)}:** {_md_cell(value)}\n")
        self.parts.append("\n")

    def table(self, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
        body = [list(r) for r in rows]
        if not body:
            self.parts.append("_none_\n\n")
            return
        self.parts.append("| " + " | ".join(_md_cell(h) for h in header) + " |\n")
        self.parts.append("|" + "|".join("---" for _ in header) + "|\n")
        for row in body:
            self.parts.append("| " + " | ".join(_md_cell(str(c)) for c in row) + " |\n")
        self.parts.append("\n")

    def pre(self, text: str) -> None:
        fence = "```"
        while fence in text:
            fence += "`"
        self.parts.append(f"{fence}\n{text.rstrip()}\n{fence}\n\n")


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1d1d1f;
max-width:80rem}
h1{font-size:1.6rem;border-bottom:2px solid #333;padding-bottom:.3rem}
h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #bbb}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eee}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
pre{background:#f5f5f5;padding:.5rem;overflow-x:auto;font-size:.85rem}
td.s-done{color:#176b2c}td.s-failed,td.s-blocked{color:#a11;font-weight:600}
td.s-skipped{color:#666}td.s-in_progress{color:#8a5a00;font-weight:600}
@media print{body{margin:0}h2{page-break-after:avoid}}
"""


def _h(text: Any) -> str:
    return html.escape(str(text), quote=True)


class _Html(_Doc):
    def title(self, text: str) -> None:
        self.parts.append(f"<h1>{_h(text)}</h1>\n")

    def heading(self, text: str) -> None:
        self.parts.append(f"<h2>{_h(text)}</h2>\n")

    def para(self, text: str) -> None:
        self.parts.append(f"<p>{_h(text)}</p>\n")

    def facts(self, rows: Iterable[tuple[str, str]]) -> None:
        self.parts.append('<dl class="facts">\n')
        for key, value in rows:
            self.parts.append(f"<dt>{_h(key)}</dt><dd>{_h(value)}</dd>\n")
        self.parts.append("</dl>\n")

    def table(self, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
        body = [list(r) for r in rows]
        if not body:
            self.parts.append("<p><em>none</em></p>\n")
            return
        self.parts.append("<table>\n<thead><tr>"
                          + "".join(f"<th>{_h(c)}</th>" for c in header) + "</tr></thead>\n<tbody>\n")
        status_col = header.index("status") if "status" in header else -1
        for row in body:
            cells = []
            for i, cell in enumerate(row):
                css = ""
                if i == status_col:
                    css = f' class="s-{_h(str(cell).replace(" ", "_"))}"'
                cells.append(f"<td{css}>{_h(cell)}</td>")
            self.parts.append("<tr>" + "".join(cells) + "</tr>\n")
        self.parts.append("</tbody>\n</table>\n")

    def pre(self, text: str) -> None:
        self.parts.append(f"<pre>{_h(text)}</pre>\n")


def _write(doc: _Doc, data: Data) -> None:
    project = data["project"]
    summary = data["summary"]
    window = data["window"]
    doc.title(f"Upgrade report: {project['name']}")
    doc.facts([
        ("Project", project["id"]),
        ("Template", f"{project['template_id']} {project['template_version']}".strip()),
        ("Template SHA-256", project["template_sha256"] or "-"),
        ("Created", _when(project["created_at"])),
        ("Last change", _when(project["updated_at"])),
        ("Report generated", _when(data["report"]["generated_at"])),
    ])
    if project["description"]:
        doc.para(project["description"])

    doc.heading("Summary")
    margin = summary["margin"]
    doc.facts([
        ("Progress", f"{summary['closed']}/{summary['items']} items closed ({summary['percent']}%)"
         + (f", {summary['percent_by_estimate']}% by estimate"
            if summary["percent_by_estimate"] is not None else "")),
        ("Current phase", summary["current_phase"] or "all phases complete"),
        ("Forecast finish", _when(summary["forecast_finish"])),
        ("Margin", "-" if margin is None else
         f"{_signed_margin(margin)} ({summary['margin_level']})"),
        ("Backout time", f"{_dur(summary['backout_total'])} "
         f"({len(summary['backout_steps'])} steps)"),
        ("Decide on rollback by", _when(summary["rollback_decide_by"])),
        ("Point of no return passed", _yes(summary["point_of_no_return_passed"])),
        ("Rollback", "not started" if summary["rollback"] is None else
         f"started {_when(summary['rollback']['started_at'])} by {summary['rollback']['by']}: "
         f"{summary['rollback']['reason']}"),
        ("Status log", "intact, " + str(data["log_chain"]["events"]) + " events"
         if data["log_chain"]["intact"] else f"BROKEN: {data['log_chain']['problem']}"),
    ])

    doc.heading("Window")
    doc.facts([
        ("Planned", f"{_when(window['planned_start'])} to {_when(window['planned_end'])}"
         + (f" ({_dur(window['planned_duration'])})" if window["planned_duration"] else "")),
        ("Real", f"{_when(window['opened_at'])} to "
         + (_when(window["closed_at"]) if window["closed_at"] else
            ("still open" if window["opened_at"] else "-"))
         + (f" ({_dur(window['actual_duration'])})" if window["actual_duration"] else "")),
    ])

    doc.heading("Phases: plan against actuals")
    doc.table(
        ("phase", "items", "done", "skipped", "failed", "progress", "gate", "planned start",
         "planned finish", "actual start", "actual finish"),
        [(f"{p['number']}. {p['title']}", str(p["total"]), str(p["done"]), str(p["skipped"]),
          str(p["failed"]), f"{p['percent']}%",
          p["gate"] + (f" (waiting for {', '.join(p['gate_waiting_for'])})"
                       if p["gate_waiting_for"] else ""),
          _when(p["planned_start"]), _when(p["planned_finish"]), _when(p["actual_start"]),
          _when(p["actual_finish"]))
         for p in data["phases"]])

    for phase in data["phases"]:
        doc.heading(f"Phase {phase['number']}: {phase['title']}")
        doc.table(
            ("item", "title", "owner", "status", "estimate", "planned start", "planned finish",
             "actual start", "actual finish", "actual", "variance", "late", "note"),
            [(i["id"], i["title"], i["owner"] or "-", i["status"], _dur(i["estimate"]),
              _when(i["planned_start"]), _when(i["planned_finish"]), _when(i["actual_start"]),
              _when(i["actual_finish"]), _dur(i["actual_duration"]), _signed(i["variance"]),
              i["late_reason"] or "-", i["reason"] or "-")
             for i in data["items"] if i["phase"] == phase["id"]])

    doc.heading("Late items")
    doc.table(("item", "state", "why"),
              [(e["item"], "still open" if e["open"] else "finished late", e["reason"])
               for e in data["late"]])

    doc.heading("Approvals")
    rows: list[tuple[str, ...]] = []
    for a in data["approvals"]:
        for d in a["decisions"]:
            rows.append((a["item"], a["status"], d["approver"], d["decision"], d["by"],
                         _when(d["at"]), d["note"] or "-"))
        for pending in a["pending"]:
            rows.append((a["item"], a["status"], pending, "pending", "-", "-", "-"))
    doc.table(("item", "status", "approver", "decision", "by", "at", "note"), rows)
    history = data["approval_history"]
    current = sum(len(a["decisions"]) for a in data["approvals"])
    if len(history) > current:
        doc.para("Every decision taken, including those cleared when an approval was reopened:")
        doc.table(("item", "approver", "decision", "by", "at", "note"),
                  [(h["item"], h["approver"], h["decision"], h["by"], _when(h["at"]),
                    h["note"] or "-") for h in history])

    doc.heading("Skipped items")
    doc.table(("item", "title", "reason", "by", "at"),
              [(s["item"], s["title"], s["reason"], s["by"], _when(s["at"])) for s in data["skipped"]])
    doc.heading("Failed items")
    doc.table(("item", "title", "reason", "by", "at"),
              [(s["item"], s["title"], s["reason"], s["by"], _when(s["at"])) for s in data["failed"]])
    if data["blocked"]:
        doc.heading("Blocked items")
        doc.table(("item", "title", "reason", "by"),
                  [(s["item"], s["title"], s["reason"], s["by"]) for s in data["blocked"]])

    budget = data["budget"]
    doc.heading("Budget: planned against actual")
    doc.table(("phase", "planned", "actual", "difference"),
              [(b["phase"], _money(b["planned"]), _money(b["actual"]),
                _money(b["difference"])) for b in budget["phases"]]
              + ([("total", _money(budget["planned"]), _money(budget["actual"]),
                   _money(budget["difference"]))] if budget["phases"] else []))

    doc.heading("Requirements traceability")
    doc.table(("requirement", "priority", "title", "tests", "status"),
              [(r["requirement"], r["priority"] or "-", r["title"],
                ", ".join(f"{t['item']} ({t['status']})" for t in r["tests"]) or "-",
                r["status"] + (" (GAP: must)" if r["gap"] else ""))
               for r in data["traceability"]])

    doc.heading("Metrics against targets")
    doc.table(("metric", "title", "baseline", "target", "latest", "verdict"),
              [(m["item"], m["title"], m["baseline"] or "-", m["target"] or "-",
                m["latest"] or "-", f"{m['verdict']} ({m['why']})" if m["latest"] else m["verdict"])
               for m in data["metrics"]])

    doc.heading("Verifications")
    doc.table(("item", "result", "by", "host", "at", "duration", "command"),
              [(v["item"], "passed" if v["passed"] else f"failed (exit {v['exit_code']})", v["by"],
                v["host"] or "-", _when(v["at"]), f"{v['duration']:.1f}s", v["command"])
               for v in data["verifications"]])
    for v in data["verifications"]:
        if v["output_tail"].strip():
            doc.para(f"Output of {v['item']} at {_when(v['at'])} (last 4 KB):")
            doc.pre(v["output_tail"])

    doc.heading("Status log")
    chain = data["log_chain"]
    doc.para(f"{chain['events']} events; hash chain "
             + ("intact" if chain["intact"] else f"BROKEN at {chain['problem']}")
             + (f"; last hash {chain['last_hash']}" if chain["last_hash"] else "") + ".")
    doc.table(("#", "time (UTC)", "operator", "kind", "item", "what"),
              [(str(e["seq"]), _when(e["at"]), e["by"] + (f"@{e['host']}" if e["host"] else ""),
                e["kind"], e["item"] or "-", e["text"]) for e in data["log"]])


def _signed_margin(seconds: float) -> str:
    if seconds >= 0:
        return f"{format_duration(seconds)} to spare"
    return f"{format_duration(-seconds)} over"


def render_markdown(data: Data) -> str:
    doc = _Markdown()
    _write(doc, data)
    return doc.text().rstrip("\n") + "\n"


def render_html(data: Data) -> str:
    doc = _Html()
    _write(doc, data)
    name = data["project"]["name"]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{_h('Upgrade report: ' + name)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + doc.text() + "</body>\n</html>\n"
    )


_RENDERERS: dict[str, Callable[[Data], str]] = {
    "md": render_markdown,
    "html": render_html,
    "json": render_json,
    "csv": render_csv,
}

# The status words the dashboard shows, for anyone formatting report data elsewhere.
STATUS_WORDS: dict[str, str] = {status.value: word for status, word in STATUS_WORD.items()}
