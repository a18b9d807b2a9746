"""The timeline of a phase: plan against actual per item, as offsets from T, with the
plan's critical path and the lines for now, decide-by, point of no return and window end."""

from __future__ import annotations

from collections.abc import Mapping

from updeck.models.plan import Plan
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
