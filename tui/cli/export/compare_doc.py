"""``updeck compare`` written as Markdown or HTML (the Doc writers of the report)."""

from __future__ import annotations

from updeck.models.compare import Comparison
from updeck.models.durations import format_duration
from updeck.tui.cli.export.document import Doc, signed
from updeck.tui.cli.export.html_page import page
from updeck.tui.cli.export.markdown import markdown_doc

CRITICAL_MARK = "◆"


def _d(seconds: float | None) -> str:
    return format_duration(seconds, empty="-")


def run_label(comparison: Comparison, index: int) -> str:
    ref = comparison.runs[index]
    return f"{ref.name} ({'REHEARSAL' if ref.rehearsal_of else 'live'})"


def write_comparison(doc: Doc, comparison: Comparison) -> None:
    doc.title("Runs compared")
    totals = comparison.execute
    doc.facts([(run_label(comparison, i), ref.id) for i, ref in enumerate(comparison.runs)])
    doc.heading("Execute phase against the window")
    doc.facts([
        ("Planned (from T)", _d(totals.planned)),
        ("Window", _d(totals.window)),
        *[(f"Actual, {run_label(comparison, i)}", _d(v)) for i, v in enumerate(totals.runs)],
        ("Median of rehearsals", _d(totals.median)),
        ("90th percentile of rehearsals", _d(totals.p90)),
        ("Margin at the 90th percentile", signed(totals.p90_margin)),
    ])
    doc.heading("Drift that threatens the window (90th percentile against estimate)")
    doc.table(("item", "critical path", "estimate", "p90", "drift"),
              [(e.item, "yes" if e.critical else "no", _d(e.estimate), _d(e.p90), signed(e.drift))
               for e in comparison.threats if e.drift > 0])
    doc.heading("Items")
    names = [ref.name for ref in comparison.runs]
    rows = []
    for e in comparison.items:
        actuals = [_d(r.actual) if r.actual is not None else r.status for r in e.runs]
        rows.append((("◆ " if e.critical else "") + e.item, e.phase, _d(e.estimate), *actuals,
                     _d(e.median), _d(e.p90), signed(e.variance), str(e.fails), str(e.skips)))
    doc.table(("item", "phase", "estimate", *names, "median", "p90", "variance", "fails",
               "skips"), rows)
    reasons = [(e.item, comparison.runs[i].name, status, reason)
               for e in comparison.items for i, status, reason in e.reasons]
    doc.heading("Failures, skips and blocks")
    doc.table(("item", "run", "status", "reason"), reasons)
    doc.para("◆ marks the plan's critical path. Median and 90th percentile: linear "
             "interpolation between the closest ranks, over the rehearsals' done items.")


def comparison_markdown(comparison: Comparison) -> str:
    doc = markdown_doc()
    write_comparison(doc, comparison)
    return doc.text().rstrip("\n") + "\n"


def comparison_html(comparison: Comparison) -> str:
    doc = page()
    write_comparison(doc, comparison)
    return doc.page("Runs compared")


def comparison_text(comparison: Comparison) -> str:
    """The terminal table: threats first, then every item with an actual or a problem."""
    lines = []
    totals = comparison.execute
    for i, ref in enumerate(comparison.runs):
        lines.append(f"run {i + 1}: {run_label(comparison, i)}  {ref.id}"
                     f"  execute {_d(totals.runs[i])}")
    lines.append(f"execute: planned {_d(totals.planned)}, window {_d(totals.window)}, "
                 f"median {_d(totals.median)}, p90 {_d(totals.p90)}, "
                 f"margin at p90 {signed(totals.p90_margin)}")
    threats = [e for e in comparison.threats if e.drift > 0]
    lines.append("")
    lines.append("Threats to the window (p90 over estimate, critical path first):")
    lines.extend(f"  {CRITICAL_MARK if e.critical else ' '} {e.item}: estimate {_d(e.estimate)}, "
                 f"p90 {_d(e.p90)} ({signed(e.drift)})" for e in threats[:10])
    if not threats:
        lines.append("  none")
    lines.append("")
    header = ["ITEM", "EST", *[f"RUN{i + 1}" for i in range(len(comparison.runs))],
              "MEDIAN", "P90", "VAR", "FAIL", "SKIP"]
    rows = [header]
    for e in comparison.items:
        if all(r.actual is None and r.status == "todo" for r in e.runs):
            continue
        rows.append([(CRITICAL_MARK + " " if e.critical else "  ") + e.item, _d(e.estimate),
                     *[_d(r.actual) if r.actual is not None else r.status for r in e.runs],
                     _d(e.median), _d(e.p90), signed(e.variance), str(e.fails), str(e.skips)])
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    lines.extend("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                 for r in rows)
    for e in comparison.items:
        for i, status, reason in e.reasons:
            lines.append(f"{e.item} {status} in run {i + 1}: {reason}")
    return "\n".join(lines)
