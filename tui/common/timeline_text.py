"""The timeline as plain lines, for the dashboard's timeline view and ``updeck timeline``:
legend, axis and one row per item (critical path ◆), grouped under a heading per
workstream when the phase's items name streams."""

from __future__ import annotations

from updeck.models.durations import format_duration
from updeck.models.timeline import (
    CRITICAL,
    LINE_NAMES,
    Timeline,
    TimelineRow,
    axis_text,
    row_text,
    stream_groups,
)

LABEL_WIDTH = 22
NO_STREAM = "(no stream)"
CLOSED = ("done", "skipped")


def _offset(seconds: float) -> str:
    return ("T-" if seconds < 0 else "T+") + format_duration(abs(seconds))


def stream_heading(name: str, rows: tuple[TimelineRow, ...], width: int) -> str:
    """``── dba  2/5 done · 1 critical ─────``, ``width`` characters wide."""
    closed = sum(1 for row in rows if row.status in CLOSED)
    critical = sum(1 for row in rows if row.critical)
    text = f"── {name or NO_STREAM}  {closed}/{len(rows)} done"
    if critical:
        text += f" · {critical} {CRITICAL} critical"
    text += " "
    return (text + "─" * max(0, width - len(text)))[:width]


def timeline_lines(timeline: Timeline, width: int) -> list[str]:
    """The Gantt as plain lines ``width`` wide (legend, axis, one row per item; a heading
    before each workstream's rows when the items name streams)."""
    label = min(LABEL_WIDTH, max(8, width // 4))
    bar = max(10, width - label - 4)
    groups = stream_groups(timeline)
    lines = [f"{timeline.phase} phase, {len(timeline.rows)} items   "
             f"░ planned  ▓ actual  █ both  {CRITICAL} critical path",
             "   ".join(f"{mark} {LINE_NAMES[mark]} {_offset(v)}" for mark, v in timeline.lines)
             or "no window planned: offsets from the first start",
             " " * (label + 3) + axis_text(timeline, bar),
             " " * (label + 3) + _offset(timeline.start).ljust(bar - 8) + _offset(timeline.end).rjust(8)]
    if groups:
        for name, rows in groups:
            lines.append(stream_heading(name, rows, label + 4 + bar))  # a row's width
            lines.extend(row_text(row, timeline, label, bar) for row in rows)
    else:
        lines.extend(row_text(row, timeline, label, bar) for row in timeline.rows)
    if not timeline.rows:
        lines.append("no items in this phase")
    return lines
