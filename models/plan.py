"""The template-only part of the schedule: topological order, dependency indices and the
plan as T-offsets, built once per project and cached."""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from updeck.models.state import ProjectState
from updeck.models.template import ItemSpec

PLANNED_BY_T: frozenset[str] = frozenset({"execute", "monitor"})
# Work of these phases happens after the window (hypercare, reviews): it is planned and
# tracked, but it does not count towards the forecast finish of the window.
AFTER_WINDOW: frozenset[str] = frozenset({"monitor"})

_CACHE_SIZE = 64


@dataclass(frozen=True, slots=True)
class Plan:
    """What depends on the template only: computed once per template."""

    order: tuple[str, ...]  # every item, dependencies before dependents
    deps: tuple[tuple[int, ...], ...]  # indices into ``order``
    estimates: tuple[int, ...]  # 0 where no estimate
    index: Mapping[str, int]
    planned_start: Mapping[str, int | None]  # T-offsets in seconds
    planned_finish: Mapping[str, int | None]
    due: tuple[tuple[int, int], ...]  # (index, due offset) of items with a due
    point_of_no_return: tuple[str, ...]
    template_order: tuple[str, ...]
    planned_end: int | None  # the latest planned finish
    in_window: tuple[bool, ...]  # counts towards the forecast (not post-cutover work)
    not_before: tuple[int | None, ...]  # T-offset before which the item cannot start


_PLANS: dict[int, tuple[Mapping[str, ItemSpec], Plan]] = {}


def plan_for(state: ProjectState) -> Plan:
    """The template-only part of the schedule, computed once per project.

    Kept in a small module-level cache keyed by the identity of ``state.specs``, which
    never changes for a project and is shared by every state ``apply`` derives (the entry
    holds the specs, so their id cannot be reused while it is cached). Not in
    ``state.extra``: states are snapshotted by storage, caches must not be.
    """
    specs = state.specs
    cached = _PLANS.get(id(specs))
    if cached is not None and cached[0] is specs:
        return cached[1]
    plan = build_plan(specs)
    if len(_PLANS) >= _CACHE_SIZE:
        _PLANS.pop(next(iter(_PLANS)))
    _PLANS[id(specs)] = (specs, plan)
    return plan


def build_plan(specs: Mapping[str, ItemSpec]) -> Plan:
    template_order = tuple(specs)
    order = _topological_order(specs)
    index = {item_id: i for i, item_id in enumerate(order)}
    # Only edges to earlier items: the longest-path walk relies on it (a cycle, which the
    # loader refuses anyway, loses its closing edge instead of looping).
    deps = tuple(tuple(index[d] for d in specs[item_id].depends_on if d in index and index[d] < i)
                 for i, item_id in enumerate(order))
    estimates = tuple(specs[item_id].estimate or 0 for item_id in order)
    starts: dict[str, int | None] = {}
    finishes: dict[str, int | None] = {}
    for item_id in order:
        spec = specs[item_id]
        start: int | None
        if spec.at is not None:
            start = spec.at
        else:
            known = [f for d in spec.depends_on if (f := finishes.get(d)) is not None]
            if known:
                start = max(known)
            elif spec.phase in PLANNED_BY_T:
                start = 0
            else:
                start = None  # planned by its due date, if any
        starts[item_id] = start
        finishes[item_id] = None if start is None else start + (spec.estimate or 0)
    due = tuple((index[s.id], s.due) for s in specs.values() if s.due is not None)
    ends = [f for f in finishes.values() if f is not None]
    in_window = tuple(specs[item_id].phase not in AFTER_WINDOW for item_id in order)
    not_before = tuple(_not_before(specs[item_id]) for item_id in order)
    return Plan(
        order=order, deps=deps, estimates=estimates, index=MappingProxyType(index),
        planned_start=MappingProxyType(starts), planned_finish=MappingProxyType(finishes),
        due=due,
        point_of_no_return=tuple(s.id for s in specs.values() if s.point_of_no_return),
        template_order=template_order, planned_end=max(ends) if ends else None,
        in_window=in_window, not_before=not_before,
    )


def _not_before(spec: ItemSpec) -> int | None:
    """Cutover work does not start before its ``at`` time, or before T."""
    if spec.at is not None:
        return spec.at
    return 0 if spec.phase == "execute" else None


def _topological_order(specs: Mapping[str, ItemSpec]) -> tuple[str, ...]:
    """Dependencies first; template order among equals. A cycle (which the loader
    refuses) does not hang it: the items on it follow in template order."""
    indegree = dict.fromkeys(specs, 0)
    dependents: dict[str, list[str]] = {item_id: [] for item_id in specs}
    for spec in specs.values():
        for dep in spec.depends_on:
            if dep in specs:
                indegree[spec.id] += 1
                dependents[dep].append(spec.id)
    position = {item_id: i for i, item_id in enumerate(specs)}
    heap = [(position[i], i) for i, n in indegree.items() if n == 0]
    heapq.heapify(heap)
    order: list[str] = []
    while heap:
        _, item_id = heapq.heappop(heap)
        order.append(item_id)
        for child in dependents[item_id]:
            indegree[child] -= 1
            if indegree[child] == 0:
                heapq.heappush(heap, (position[child], child))
    if len(order) < len(specs):
        seen = set(order)
        order.extend(i for i in specs if i not in seen)
    return tuple(order)
