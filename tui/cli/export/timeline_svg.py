"""The timeline (plan against actual, critical path, now/decide-by/PONR/window-end lines) as
inline SVG for the HTML export: no script, no external asset, every text escaped."""

from __future__ import annotations

import html

from updeck.models.durations import format_duration
from updeck.models.timeline import CRITICAL, LINE_NAMES, Timeline

ROW = 18
LABEL = 220
BARS = 640


def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def _x(value: float, timeline: Timeline) -> float:
    span = timeline.end - timeline.start or 1.0
    return LABEL + (value - timeline.start) / span * BARS


def _offset(seconds: float) -> str:
    return ("T-" if seconds < 0 else "T+") + format_duration(abs(seconds))


def timeline_svg(timeline: Timeline) -> str:
    """An ``<svg>`` element: one row per item, planned bar (light, outlined) above the
    actual bar (dark); critical-path items marked with ◆ in their label."""
    top = 30
    height = top + ROW * max(1, len(timeline.rows)) + 10
    width = LABEL + BARS + 20
    out = [f'<svg role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           f"<title>{_h(timeline.phase)} phase: plan against actual</title>"]
    for i, row in enumerate(timeline.rows):
        y = top + i * ROW
        label = (CRITICAL + " " if row.critical else "") + row.item
        out.append(f'<text x="4" y="{y + 12}">{_h(label)} ({_h(row.status)})</text>')
        if row.planned is not None:
            x1, x2 = _x(row.planned[0], timeline), _x(row.planned[1], timeline)
            out.append(f'<rect class="planned" x="{x1:.1f}" y="{y + 2}" width="{max(x2 - x1, 1):.1f}" '
                       'height="6" fill="#cfd8e3" stroke="#5a6b7d" stroke-width="0.5"/>')
        if row.actual is not None:
            x1, x2 = _x(row.actual[0], timeline), _x(row.actual[1], timeline)
            out.append(f'<rect class="actual" x="{x1:.1f}" y="{y + 9}" width="{max(x2 - x1, 1):.1f}" '
                       'height="6" fill="#333"/>')
    for mark, value in timeline.lines:
        x = _x(value, timeline)
        dash = {"N": "", "D": ' stroke-dasharray="4 2"', "P": ' stroke-dasharray="1 2"',
                "E": ' stroke-dasharray="8 3"'}[mark]
        out.append(f'<line x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{height - 4}" stroke="#a11"{dash}/>')
        out.append(f'<text x="{x + 2:.1f}" y="12">{_h(mark)}</text>')
    out.append("</svg>")
    legend = ("upper bar planned, lower bar actual; " + CRITICAL + " critical path; "
              + "; ".join(f"{m} {LINE_NAMES[m]} {_offset(v)}" for m, v in timeline.lines))
    return "<figure>\n" + "\n".join(out) + f"\n<figcaption>{_h(legend)}</figcaption>\n</figure>\n"
