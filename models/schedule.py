"""The schedule: plan against actuals, the critical path, the forecast and the backout.

:func:`compute_schedule` is called on every change and every clock tick of the
dashboard, so it is built to be cheap: everything that depends only on the template
(the topological order, dependency indices, the plan as T-offsets) is computed once per
project (:func:`updeck.models.plan.plan_for`); a call then walks the items once or twice.

Planned times are held as offsets in seconds from T (the window start) and turned into
datetimes only when asked for (:meth:`Schedule.planned_start` and friends).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Literal

from updeck.models.durations import format_duration, format_ttime
from updeck.models.engine import backout_steps
from updeck.models.plan import AFTER_WINDOW, PLANNED_BY_T, Plan, build_plan, plan_for
from updeck.models.rollback import backout_forecast
from updeck.models.state import ItemRun, ItemStatus, ProjectState, RollbackStep

__all__ = ["AFTER_WINDOW", "AMBER_FRACTION", "PLANNED_BY_T", "ItemTiming", "LateItem", "MarginLevel",
           "Plan", "Schedule", "build_plan", "compute_schedule", "plan_for", "window_end"]

MarginLevel = Literal["ok", "amber", "red", "none"]
AMBER_FRACTION = 0.10  # margin under this share of the window length is amber

_TODO = ItemStatus.TODO
_RUNNING = ItemStatus.IN_PROGRESS
_DONE = ItemStatus.DONE
_SKIPPED = ItemStatus.SKIPPED


@dataclass(frozen=True, slots=True)
class ItemTiming:
    """Plan and actuals of one item. Planned times are None when the plan has none."""

    item: str
    planned_start: datetime | None
    planned_finish: datetime | None
    actual_start: datetime | None
    actual_finish: datetime | None
    actual_duration: float | None
    estimate: int | None
    remaining: float  # seconds of work left (0 for done or skipped items)


@dataclass(frozen=True, slots=True)
class LateItem:
    """An item behind its plan: running past its estimate, or open past its due time.

    The facts are kept as numbers; :attr:`reason` words them (built only when read, so
    a schedule with hundreds of late items stays cheap to compute).
    """

    item: str
    status: ItemStatus
    elapsed: float | None = None  # running items past their estimate: time so far
    estimate: int | None = None
    due: int | None = None  # open items past their due: the due T-offset
    t_offset: float | None = None  # now - T when the schedule was computed

    @property
    def over_estimate(self) -> float | None:
        if self.elapsed is None or self.estimate is None:
            return None
        return self.elapsed - self.estimate

    @property
    def overdue(self) -> float | None:
        if self.due is None or self.t_offset is None:
            return None
        return self.t_offset - self.due

    @property
    def reason(self) -> str:
        parts: list[str] = []
        over = self.over_estimate
        if over is not None and self.elapsed is not None:
            parts.append(f"running {format_duration(self.elapsed)}, estimate "
                         f"{format_duration(self.estimate)} ({format_duration(over)} over)")
        overdue = self.overdue
        if overdue is not None:
            parts.append(f"due {format_ttime(self.due)}, {format_duration(overdue)} overdue "
                         f"({self.status.value})")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Schedule:
    now: datetime
    window_start: datetime | None  # T
    window_end: datetime | None
    t_offset: float | None  # now - T in seconds; negative is T-minus
    critical_path: tuple[str, ...]  # remaining window work, first to last
    critical_remaining: float  # seconds from now to the forecast finish along it
    critical_wait: float  # of which: waiting for the window (or an ``at`` time) to come
    forecast_finish: datetime
    margin: float | None  # window end - forecast finish, seconds
    margin_level: MarginLevel
    late: tuple[LateItem, ...]
    backout: tuple[RollbackStep, ...]  # newest first
    backout_total: int  # seconds
    rollback_decide_by: datetime | None  # window end - backout total (None after the PONR
    # or once a rollback started)
    rollback_decide_passed: bool  # now is past rollback_decide_by
    point_of_no_return_passed: bool  # a point-of-no-return item was started
    running: tuple[str, ...]
    ready: tuple[str, ...]
    plan: Plan
    runs: Mapping[str, ItemRun]
    remaining: Mapping[str, float]  # remaining seconds of every item not done or skipped
    point_of_no_return_at: datetime | None = None  # when it was passed: fix forward since
    rollback_active: bool = False  # then forecast_finish and margin are the backout's, and
    # backout / backout_total are the rollback's steps and the work left in them

    @property
    def can_roll_back(self) -> bool:
        return not self.point_of_no_return_passed

    @property
    def planned_end(self) -> datetime | None:
        """When the plan says the last planned item finishes."""
        return self._at(self.plan.planned_end)

    def _at(self, offset: int | None) -> datetime | None:
        if offset is None or self.window_start is None:
            return None
        return self.window_start + timedelta(seconds=offset)

    def planned_start_offset(self, item_id: str) -> int | None:
        return self.plan.planned_start[item_id]

    def planned_finish_offset(self, item_id: str) -> int | None:
        return self.plan.planned_finish[item_id]

    def planned_start(self, item_id: str) -> datetime | None:
        return self._at(self.plan.planned_start[item_id])

    def planned_finish(self, item_id: str) -> datetime | None:
        return self._at(self.plan.planned_finish[item_id])

    def actual_start(self, item_id: str) -> datetime | None:
        return self.runs[item_id].started_at

    def actual_finish(self, item_id: str) -> datetime | None:
        return self.runs[item_id].finished_at

    def actual_duration(self, item_id: str) -> float | None:
        """Finish - start of a finished item; for a running one, the time so far."""
        run = self.runs[item_id]
        if run.started_at is None:
            return None
        if run.finished_at is None:
            if run.status is _RUNNING:
                return max(0.0, (self.now - run.started_at).total_seconds())
            return None
        return (run.finished_at - run.started_at).total_seconds()

    def timing(self, item_id: str) -> ItemTiming:
        run = self.runs[item_id]
        estimate = self.plan.estimates[self.plan.index[item_id]]
        return ItemTiming(
            item=item_id,
            planned_start=self.planned_start(item_id),
            planned_finish=self.planned_finish(item_id),
            actual_start=run.started_at,
            actual_finish=run.finished_at,
            actual_duration=self.actual_duration(item_id),
            estimate=estimate or None,
            remaining=self.remaining.get(item_id, 0.0),
        )

    def timings(self) -> Iterator[ItemTiming]:
        """Every item, in template order."""
        for item_id in self.plan.template_order:
            yield self.timing(item_id)

    def is_late(self, item_id: str) -> bool:
        return any(late.item == item_id for late in self.late)


def window_end(state: ProjectState) -> datetime | None:
    """The planned end, or T + the template's default duration when none was planned."""
    if state.window.end is not None:
        return state.window.end
    start = state.window_start()
    duration = state.project.template.window_duration
    if start is not None and duration:
        return start + timedelta(seconds=duration)
    return None


def compute_schedule(state: ProjectState, now: datetime) -> Schedule:
    """Plan, actuals, critical path, forecast, margin, late items and backout at ``now``."""
    plan = plan_for(state)
    runs = state.items
    order = plan.order
    n = len(order)
    statuses = [runs[item_id].status for item_id in order]
    open_ = [s is not _DONE and s is not _SKIPPED for s in statuses]

    # Remaining work, and the longest path through it (dependencies first in ``order``).
    remaining: dict[str, float] = {}
    best = [0.0] * n
    pred = [-1] * n
    running: list[str] = []
    ready: list[str] = []
    late: dict[int, tuple[float | None, int | None]] = {}  # index -> (elapsed, due)
    estimates = plan.estimates
    deps = plan.deps
    in_window = plan.in_window
    t = state.window_start()
    # Until the window is opened, cutover work waits for T (and for its ``at`` time).
    waits = state.opened_at is None and t is not None
    t_offset = (now - t).total_seconds() if t is not None else None
    not_before = plan.not_before
    wait = [0.0] * n
    top = -1
    top_value = -1.0
    for i in range(n):
        if not open_[i]:
            continue
        item_id = order[i]
        status = statuses[i]
        rem = float(estimates[i])
        if status is _RUNNING:
            running.append(item_id)
            started = runs[item_id].started_at
            if started is not None:
                elapsed = (now - started).total_seconds()
                rem = max(0.0, rem - elapsed)
                if estimates[i] and elapsed > estimates[i]:
                    late[i] = (elapsed, None)
        remaining[item_id] = rem
        b = 0.0
        p = -1
        waiting = False
        for d in deps[i]:
            if open_[d]:
                waiting = True
                if p == -1 or best[d] > b:
                    b = best[d]
                    p = d
        if status is _TODO and not waiting:
            ready.append(item_id)
        floor = not_before[i]
        if waits and floor is not None and status is _TODO and t_offset is not None \
                and floor - t_offset > b:
            b = wait[i] = floor - t_offset
            p = -1
        value = b + rem
        best[i] = value
        pred[i] = p
        if in_window[i] and value >= top_value:
            top = i
            top_value = value
    path: list[str] = []
    while top != -1:
        path.append(order[top])
        top = pred[top]
    path.reverse()
    critical = max(top_value, 0.0)
    critical_wait = wait[plan.index[path[0]]] if path else 0.0

    end = window_end(state)
    if t_offset is not None:
        for i, due in plan.due:
            if open_[i] and t_offset > due:
                late[i] = (late[i][0] if i in late else None, due)

    forecast = now + timedelta(seconds=critical)
    # passed once a point-of-no-return item was started (only those items are read)
    ponr_starts = [started for item_id in plan.point_of_no_return
                   if (started := runs[item_id].started_at) is not None]
    ponr_at = min(ponr_starts) if ponr_starts else None
    rollback = state.rollback
    active = rollback is not None and rollback.active
    decide_by: datetime | None = None
    if rollback is not None and active:  # the forecast is the backout's
        backout = backout_forecast(rollback, now, end)
        steps = rollback.steps
        backout_total = round(backout.remaining)
        forecast = backout.finish
    else:
        steps = tuple(backout_steps(state))
        backout_total = sum(step.estimate or 0 for step in steps)
        if end is not None and ponr_at is None:
            decide_by = end - timedelta(seconds=backout_total)
    margin, level = _margin(end, t, forecast)

    late_items = tuple(
        LateItem(order[i], statuses[i], elapsed, estimates[i] if elapsed is not None else None, due,
                 t_offset)
        for i, (elapsed, due) in sorted(late.items())
    )
    return Schedule(
        now=now, window_start=t, window_end=end, t_offset=t_offset,
        critical_path=tuple(path), critical_remaining=critical, critical_wait=critical_wait,
        forecast_finish=forecast,
        margin=margin, margin_level=level, late=late_items, backout=steps,
        backout_total=backout_total, rollback_decide_by=decide_by,
        rollback_decide_passed=decide_by is not None and now > decide_by,
        point_of_no_return_passed=ponr_at is not None, running=tuple(running), ready=tuple(ready),
        plan=plan, runs=MappingProxyType(dict(runs)), remaining=MappingProxyType(remaining),
        point_of_no_return_at=ponr_at, rollback_active=active,
    )


def _margin(end: datetime | None, t: datetime | None,
            forecast: datetime) -> tuple[float | None, MarginLevel]:
    """Window end - forecast, and its level (amber under 10 % of the window length)."""
    if end is None:
        return None, "none"
    margin = (end - forecast).total_seconds()
    length = (end - t).total_seconds() if t is not None else 0.0
    if margin < 0:
        return margin, "red"
    if margin < AMBER_FRACTION * length:
        return margin, "amber"
    return margin, "ok"
