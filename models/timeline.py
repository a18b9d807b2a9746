"""The timeline of a phase: plan against actual per item, as offsets from T, with the
plan's critical path and the lines for now, decide-by, point of no return and window end."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from updeck.models.plan import Plan
from updeck.models.schedule import Schedule
from updeck.models.state import ItemStatus, ProjectState
from updeck.models.template import ItemSpec


def planned_critical_path(plan: Plan, specs: Mapping[str, ItemSpec]) -> tuple[str, ...]:
    """The longest chain of the plan (by estimates, from the planned starts): the item of
    the window that finishes last, back through the dependency that let it start."""
    finish = plan.planned_finish
    best: str | None = None
    for item_id, in_window in zip(plan.order, plan.in_window, strict=True):
        end = finish.get(item_id)
        if in_window and end is not None and (best is None or end >= (finish[best] or 0)):
            best = item_id
    path: list[str] = []
    while best is not None:
        path.append(best)
        start = plan.planned_start.get(best)
        previous: str | None = None
        for dep in specs[best].depends_on:
            if dep in finish and finish[dep] is not None and finish[dep] == start:
                previous = dep
                break
        best = previous
    path.reverse()
    return tuple(path)


@dataclass(frozen=True, slots=True)
class TimelineRow:
    item: str
    title: str
    status: str
    critical: bool
    planned: tuple[float, float] | None  # offsets from the origin, seconds
    actual: tuple[float, float] | None  # a running item ends at now
    stream: str = ""  # the item's workstream ("" for none)


@dataclass(frozen=True, slots=True)
class Timeline:
    """One phase on a time axis. Offsets are seconds from ``origin`` (T when the window is
    planned, else the first actual start)."""

    phase: str
    origin: datetime | None
    rows: tuple[TimelineRow, ...]  # planned order
    start: float
    end: float
    lines: tuple[tuple[str, float], ...]  # (mark, offset): N now, D decide-by, P PONR, E end


LINE_NAMES: dict[str, str] = {"N": "now", "D": "decide-by", "P": "point of no return",
                              "E": "window end"}
CRITICAL = "◆"
PLANNED, ACTUAL, BOTH, LINE = "░", "▓", "█", "│"


def timeline_phase(state: ProjectState, current: str) -> str:
    """The execute phase when the template has one, else ``current``."""
    return "execute" if any(s.phase == "execute" for s in state.specs.values()) else current


def build_timeline(state: ProjectState, schedule: Schedule, phase: str) -> Timeline:
    """Plan against actual for the items of ``phase``, in planned order."""
    plan = schedule.plan
    critical = set(planned_critical_path(plan, state.specs))
    now = schedule.now
    ids = [i for i in plan.order if state.specs[i].phase == phase]
    ids.sort(key=lambda i: (plan.planned_start.get(i) is None, plan.planned_start.get(i) or 0))
    origin = schedule.window_start
    if origin is None:
        starts = [s for i in ids if (s := state.items[i].started_at) is not None]
        origin = min(starts) if starts else None

    def offset(moment: datetime | None) -> float | None:
        if moment is None or origin is None:
            return None
        return (moment - origin).total_seconds()

    rows = []
    points: list[float] = []
    for item_id in ids:
        run = state.items[item_id]
        start, finish = plan.planned_start.get(item_id), plan.planned_finish.get(item_id)
        planned = (float(start), float(finish)) if start is not None and finish is not None else None
        a_start = offset(run.started_at)
        a_end = offset(run.finished_at) if run.finished_at is not None else (
            offset(now) if run.status is ItemStatus.IN_PROGRESS else None)
        actual = (a_start, max(a_start, a_end)) if a_start is not None and a_end is not None else None
        for span in (planned, actual):
            if span is not None:
                points.extend(span)
        spec = state.specs[item_id]
        rows.append(TimelineRow(item_id, spec.title, run.status.value,
                                item_id in critical, planned, actual, spec.stream))
    lines: list[tuple[str, float]] = []
    ponr = [plan.planned_finish.get(i) for i in plan.point_of_no_return]
    for mark, moment in (("N", offset(now)), ("D", offset(schedule.rollback_decide_by)),
                         ("E", offset(schedule.window_end))):
        if moment is not None:
            lines.append((mark, moment))
    known = [p for p in ponr if p is not None]
    if known and origin is not None:
        lines.append(("P", float(min(known))))
    # the axis covers the bars and the window's end; a line far outside it (now, days
    # before T) is left out of the drawing rather than squeezing the bars
    points.extend(v for mark, v in lines if mark == "E")
    lo = min(points) if points else 0.0
    hi = max(points) if points else 0.0
    if hi <= lo:
        hi = lo + 3600.0
    margin = (hi - lo) * 0.25
    shown = tuple((mark, v) for mark, v in lines if lo - margin <= v <= hi + margin)
    if shown:
        lo = min(lo, *(v for _, v in shown))
        hi = max(hi, *(v for _, v in shown))
    return Timeline(phase, origin, tuple(rows), lo, hi, shown)


def stream_groups(timeline: Timeline) -> tuple[tuple[str, tuple[TimelineRow, ...]], ...]:
    """The rows stream by stream when any of them names a workstream: named streams in
    order of first appearance, then the rows without one (stream ""); planned order within
    each. ``()`` when no row names a stream (the timeline is then one list)."""
    names = list(dict.fromkeys(row.stream for row in timeline.rows))
    if not any(names):
        return ()
    names.sort(key=lambda name: name == "")
    return tuple((name, tuple(r for r in timeline.rows if r.stream == name)) for name in names)


def _column(value: float, timeline: Timeline, width: int) -> int:
    span = timeline.end - timeline.start
    return min(width - 1, max(0, int((value - timeline.start) / span * width)))


def _cells(span: tuple[float, float] | None, timeline: Timeline, width: int) -> range:
    if span is None:
        return range(0)
    first = _column(span[0], timeline, width)
    last = max(first, _column(span[1], timeline, width) - (1 if span[1] > span[0] else 0))
    return range(first, last + 1)


def bar_text(row: TimelineRow, timeline: Timeline, width: int) -> str:
    """One row's bar: ``░`` planned only, ``▓`` actual only, ``█`` both, ``│`` a line."""
    cells = [" "] * width
    for c in _cells(row.planned, timeline, width):
        cells[c] = PLANNED
    for c in _cells(row.actual, timeline, width):
        cells[c] = BOTH if cells[c] == PLANNED else ACTUAL
    for _, moment in timeline.lines:
        c = _column(moment, timeline, width)
        if cells[c] == " ":
            cells[c] = LINE
    return "".join(cells)


def axis_text(timeline: Timeline, width: int) -> str:
    """The header over the bars: each line's letter at its column."""
    cells = [" "] * width
    for mark, moment in timeline.lines:
        cells[_column(moment, timeline, width)] = mark
    return "".join(cells)


def row_text(row: TimelineRow, timeline: Timeline, label_width: int, bar_width: int) -> str:
    mark = CRITICAL if row.critical else " "
    label = row.item[:label_width].ljust(label_width)
    status = {"done": "✔", "in_progress": "▶", "failed": "✘", "skipped": "»", "blocked": "■",
              "todo": "·"}.get(row.status, "?")
    return f"{mark}{status} {label} {bar_text(row, timeline, bar_width)}"
