"""``updeck review`` written as Markdown or HTML (the Doc writers of the report)."""

from __future__ import annotations

from typing import Any

from updeck.models.durations import format_duration
from updeck.models.event_text import money
from updeck.tui.cli.export.document import Doc, signed
from updeck.tui.cli.export.html_page import page
from updeck.tui.cli.export.markdown import markdown_doc

Data = dict[str, Any]


def _d(seconds: float | None) -> str:
    return format_duration(seconds, empty="-")


def _t(text: str | None) -> str:
    return text.replace("T", " ")[:16] if text else "-"


def write_review(doc: Doc, data: Data) -> None:
    project = data["project"]
    mark = "REHEARSAL " if project["rehearsal_of"] else ""
    doc.title(f"{mark}Post-implementation review: {project['name']}")
    window = data["window"]
    doc.facts([
        ("Project", project["id"]),
        *([("Run", f"REHEARSAL of {project['rehearsal_of']}")] if project["rehearsal_of"] else []),
        ("Outcome", data["outcome"]),
        ("Window planned", f"{_t(window['planned_start'])} to {_t(window['planned_end'])} "
                           f"({_d(window['planned_duration'])})"),
        ("Window actual", f"{_t(window['opened_at'])} to {_t(window['closed_at'])} "
                          f"({_d(window['actual_duration'])})"),
        ("Against the plan", signed(window["overrun"])),
    ])
    doc.heading("Overruns")
    doc.table(("item", "phase", "critical path", "estimate", "actual", "over"),
              [(o["item"], o["phase"], "yes" if o["critical"] else "no", _d(o["estimate"]),
                _d(o["actual"]), "+" + _d(o["over"])) for o in data["overruns"]])
    doc.heading("Failures, skips and blocks")
    doc.table(("item", "what", "reason", "when", "by", "status now"),
              [(p["item"], p["status"], p["reason"], _t(p["at"]), p["by"], p["now"] or "-")
               for p in data["problems"]])
    doc.heading("Rollback")
    rollback = data["rollback"]
    if rollback is None:
        doc.para("No rollback was started.")
    else:
        doc.facts([("Started", _t(rollback["started_at"])), ("By", rollback["by"]),
                   ("Reason", rollback["reason"])])
        doc.table(("item", "step", "estimate"),
                  [(s["item"], s["text"], _d(s["estimate"])) for s in rollback["steps"]])
    doc.heading("Approvals")
    doc.table(("item", "verdict", "approver", "decision", "by", "when", "note"),
              [(a["item"], a["verdict"], ap["approver"], ap["decision"] or "pending",
                ap["who"] or "-", _t(ap["at"]), ap["note"])
               for a in data["approvals"] for ap in a["approvers"]])
    doc.heading("Verification evidence")
    verification = data["verification"]
    doc.table(("item", "command", "result", "by", "when", "host"),
              [(v["item"], v["command"], "passed" if v["passed"] else f"failed ({v['failure']})",
                v["by"], _t(v["at"]), v["host"]) for v in verification["records"]])
    if verification["done_without_evidence"]:
        doc.para("Done without a recorded verification: "
                 + ", ".join(verification["done_without_evidence"]))
    doc.heading("Metrics against targets")
    doc.table(("item", "baseline", "target", "latest", "met"),
              [(m["item"], m["baseline"] or "-", m["target"] or "-", m["latest"] or "-",
                {True: "yes", False: "NO", None: "unknown"}[m["met"]]) for m in data["metrics"]])
    doc.heading("Budget")
    budget = data["budget"]
    doc.facts([("Planned", money(budget["planned"])), ("Actual", money(budget["actual"])),
               ("Variance", money(budget["variance"]))])
    doc.table(("item", "planned", "actual", "variance"),
              [(b["item"], money(b["planned"]), money(b["actual"]), money(b["variance"]))
               for b in budget["items"]])
    doc.heading("Lessons")
    doc.table(("lesson", "item", "by", "when"),
              [(lesson["text"], lesson["item"] or "-", lesson["by"], _t(lesson["at"]))
               for lesson in data["lessons"]])
    doc.heading("Sign-off")
    doc.para("Sign-off of this review is an approval in the monitor phase like any other"
             + (": " + ", ".join(data["sign_off"]) + "." if data["sign_off"] else
                " (this template has none)."))


def review_markdown(data: Data) -> str:
    doc = markdown_doc()
    write_review(doc, data)
    return doc.text().rstrip("\n") + "\n"


def review_html(data: Data) -> str:
    doc = page()
    write_review(doc, data)
    return doc.page(f"Post-implementation review: {data['project']['name']}")
