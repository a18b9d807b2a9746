"""Which items the checklist lists, and in what order: the ``/`` filter's query
(:class:`ItemFilter`) and a phase's items in planned order (:func:`ordered_items`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from updeck.models.state import ItemStatus, ProjectState
from updeck.models.template import ItemSpec

PLANNED_ORDER = ("execute", "monitor")  # phases listed by planned start, not template order

STATE_ALIASES = {
    "todo": {ItemStatus.TODO}, "running": {ItemStatus.IN_PROGRESS},
    "in_progress": {ItemStatus.IN_PROGRESS}, "progress": {ItemStatus.IN_PROGRESS},
    "done": {ItemStatus.DONE}, "failed": {ItemStatus.FAILED}, "fail": {ItemStatus.FAILED},
    "skipped": {ItemStatus.SKIPPED}, "skip": {ItemStatus.SKIPPED},
    "blocked": {ItemStatus.BLOCKED},
    "open": {ItemStatus.TODO, ItemStatus.IN_PROGRESS, ItemStatus.FAILED, ItemStatus.BLOCKED},
    "closed": {ItemStatus.DONE, ItemStatus.SKIPPED},
}


@dataclass
class ItemFilter:
    """``owner:dba state:todo kind:check stream:dba late ready some words``; empty matches all."""

    text: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    states: set[ItemStatus] = field(default_factory=set)
    kinds: list[str] = field(default_factory=list)
    streams: list[str] = field(default_factory=list)
    late: bool = False
    ready: bool = False
    errors: list[str] = field(default_factory=list)
    source: str = ""
    all_phases: bool = False  # ``*`` (alone or in front): every phase, not just the one shown

    @classmethod
    def parse(cls, query: str, me: tuple[str, ...] = ()) -> ItemFilter:
        """``me``: the names ``owner:me`` stands for (the operator, and roles they hold)."""
        result = cls(source=query.strip())
        for word in query.split():
            if word.startswith("*"):
                result.all_phases = True
                word = word[1:]
                if not word:
                    continue
            key, sep, value = word.partition(":")
            key_l = key.lower()
            if sep and key_l == "owner" and value.lower() == "me":
                result.owners.extend(m.lower() for m in me)
                if not me:
                    result.errors.append("owner:me: no operator known")
            elif sep and key_l == "owner":
                result.owners.append(value.lower())
            elif sep and key_l in ("state", "status", "is"):
                for part in value.lower().split(","):
                    if part in STATE_ALIASES:
                        result.states |= STATE_ALIASES[part]
                    elif part == "late":
                        result.late = True
                    elif part == "ready":
                        result.ready = True
                    else:
                        result.errors.append(f"unknown state {part!r}")
            elif sep and key_l == "kind":
                result.kinds.append(value.lower())
            elif sep and key_l == "stream":
                result.streams.append(value.lower())
            elif not sep and key_l in ("late", "ready"):
                setattr(result, key_l, True)
            else:
                result.text.append(word.lower())
        return result

    @property
    def active(self) -> bool:
        return bool(self.text or self.owners or self.states or self.kinds or self.streams
                    or self.late or self.ready or self.all_phases)

    def matches(self, spec: ItemSpec, state: ProjectState, late: set[str]) -> bool:
        run = state.items[spec.id]
        if self.states and run.status not in self.states:
            return False
        if self.owners and not any(o in spec.owner.lower() for o in self.owners):
            return False
        if self.kinds and spec.kind.lower() not in self.kinds:
            return False
        if self.streams and spec.stream.lower() not in self.streams:
            return False
        if self.late and spec.id not in late:
            return False
        if self.ready and not (run.status is ItemStatus.TODO and state.is_ready(spec.id)):
            return False
        if self.text:
            hay = " ".join((spec.id, spec.title, spec.owner, spec.kind, spec.stream, " ".join(spec.tags),
                            run.reason)).lower()
            if not all(t in hay for t in self.text):
                return False
        return True


def ordered_items(state: ProjectState, phase: str, all_phases: bool = False) -> list[ItemSpec]:
    """One phase's items (every phase's, in phase order, when ``all_phases``); execute and
    monitor in planned order (planned start, then dependencies before dependents)."""
    from updeck.models.phases import PHASES

    phases = [p.id for p in PHASES] if all_phases else [phase]
    out: list[ItemSpec] = []
    for phase_id in phases:
        specs = state.phase_items(phase_id)
        if phase_id in PLANNED_ORDER and specs:
            from updeck.models.plan import plan_for

            plan = plan_for(state)

            starts = {spec.id: _planned(plan, spec.id) for spec in specs}
            specs = sorted(specs, key=lambda spec: starts[spec.id])
        out.extend(specs)
    return out


def _planned(plan: Any, item_id: str) -> tuple[bool, int, int]:
    start = plan.planned_start.get(item_id)
    return (start is None, start or 0, plan.index.get(item_id, 0))
