"""The report's structure once (headings, facts, tables), for the Markdown and HTML writers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from updeck.models.durations import format_duration
from updeck.models.event_text import money, short_time
from updeck.tui.common.site_time import site_stamp, site_zone

Data = dict[str, Any]



def signed(seconds: float | None, *, empty: str = "-") -> str:
    if seconds is None:
        return empty
    if abs(seconds) < 30:
        return "on estimate"
    return ("+" if seconds > 0 else "-") + format_duration(abs(seconds))


def _when(text: str | None) -> str:
    return short_time(text) if text else "-"


def site_when(text: str | None, zone_name: str) -> str:
    """A UTC ISO time on the site's clock: ``2026-12-05 22:00 CET``."""
    return site_stamp(datetime.fromisoformat(text), site_zone(zone_name)) if text else "-"


def _dur(seconds: float | None) -> str:
    return format_duration(seconds, empty="-")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


class Doc:
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


def write(doc: Doc, data: Data) -> None:
    project = data["project"]
    summary = data["summary"]
    window = data["window"]
    rehearsal = project.get("rehearsal_of")
    doc.title(("REHEARSAL " if rehearsal else "") + f"Upgrade report: {project['name']}")
    doc.facts([
        ("Project", project["id"]),
        *([("Run", f"REHEARSAL of {rehearsal}")] if rehearsal else []),
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
        ("Rollback", _rollback_fact(summary["rollback"])),
        ("Outcome", summary["outcome"] or "window not closed"),
        ("Status log", ("intact, " + str(data["log_chain"]["events"]) + " events"
                        if data["log_chain"]["intact"] else
                        f"BROKEN: {data['log_chain']['problem']}")
         + f"; chain head {data['log_chain']['head']}"),
    ])

    rollback = summary["rollback"]
    if rollback is not None:
        doc.heading("Rollback")
        doc.para(_rollback_fact(rollback) + ".")
        doc.table(("Step", "Undoes", "Status", "Estimate", "Started", "Finished", "Reason"),
                  [(s["item"], s["text"], s["status"], _dur(s["estimate"]), _when(s["started_at"]),
                    _when(s["finished_at"]), s["reason"] or "") for s in rollback["steps"]])

    doc.heading("Window")
    zone_name = window.get("timezone", "UTC")
    site_rows = [] if zone_name == "UTC" or not window["planned_start"] else [
        ("Site time", f"{site_when(window['planned_start'], zone_name)} to "
                      f"{site_when(window['planned_end'], zone_name)} ({zone_name})")]
    doc.facts([("Time zone", f"{zone_name}; times in this report are UTC"), *site_rows,
        ("Planned", f"{_when(window['planned_start'])} to {_when(window['planned_end'])}"
         + (f" ({_dur(window['planned_duration'])})" if window["planned_duration"] else "")),
        ("Real", f"{_when(window['opened_at'])} to "
         + (_when(window["closed_at"]) if window["closed_at"] else
            ("still open" if window["opened_at"] else "-"))
         + (f" ({_dur(window['actual_duration'])})" if window["actual_duration"] else "")),
    ])

    if data.get("streams"):
        doc.heading("Workstreams")
        doc.table(("stream", "items", "closed", "progress", "failed", "late"),
                  [(s["stream"], str(s["items"]), str(s["closed"]), f"{s['percent']}%",
                    str(s["failed"]), ", ".join(s["late"]) or "-") for s in data["streams"]])

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
              _when(i["actual_finish"]), _dur(i["actual_duration"]), signed(i["variance"]),
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
            note = d["note"] or "-"
            if d["changed_from"]:
                was = d["changed_from"]
                note += f" (changed from {was['decision']} by {was['who']}, {_when(was['at'])})"
            rows.append((a["item"], a["status"], d["approver"], d["decision"], d["who"],
                         _when(d["at"]), note))
        for pending in a["pending"]:
            rows.append((a["item"], a["status"], pending, "pending", "-", "-", "-"))
    doc.table(("item", "status", "approver", "decision", "by", "at", "note"), rows)
    history = data["approval_history"]
    current = sum(len(a["decisions"]) for a in data["approvals"])
    if len(history) > current:
        doc.para("Every decision taken, including those changed later or cleared when an "
                 "approval was reopened:")
        doc.table(("item", "approver", "decision", "by", "at", "note"),
                  [(h["item"], h["approver"], h["decision"], h["who"], _when(h["at"]),
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
              [(b["phase"], money(b["planned"]), money(b["actual"]),
                money(b["difference"])) for b in budget["phases"]]
              + ([("total", money(budget["planned"]), money(budget["actual"]),
                   money(budget["difference"]))] if budget["phases"] else []))

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
              [(v["item"], "passed" if v["passed"] else f"failed ({v['failure']})", v["by"],
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
              [(str(e["seq"]), _when(e["at"]), e["who"] + (f"@{e['host']}" if e["host"] else ""),
                e["kind"], e["item"] or "-", e["text"]) for e in data["log"]])


def _rollback_fact(rollback: Data | None) -> str:
    if rollback is None:
        return "not started"
    state = rollback["state"]
    started = f"started {_when(rollback['started_at'])} by {rollback['by']}: {rollback['reason']}"
    if state == "in_progress":
        return f"IN PROGRESS, {started}; backout finishes {_when(rollback['finish_forecast'])}"
    ended = f"{state} {_when(rollback['ended_at'])} by {rollback['ended_by']}"
    return ended + (f" ({rollback['end_note']})" if rollback["end_note"] else "") + f"; {started}"


def _signed_margin(seconds: float) -> str:
    if seconds >= 0:
        return f"{format_duration(seconds)} to spare"
    return f"{format_duration(-seconds)} over"
