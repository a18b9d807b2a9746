"""How a project is doing, built once: phases, gates, approvals, late items, forecast, backout.

:func:`summarise` turns a state and its schedule (which carries ``now``) into a frozen
:class:`ProjectSummary`. The CLI (``status``, ``gate``, ``list``), the report and the
dashboard read it; each words it in its own way but none computes it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from updeck.models import rollups
from updeck.models.cutover_clock import CutoverClock, cutover_clock
from updeck.models.durations import format_duration, format_ttime
from updeck.models.phases import PHASES
from updeck.models.rollback import rollback_state
from updeck.models.schedule import LateItem, Schedule
from updeck.models.state import Decision, ItemRun, ItemStatus, ProjectState, RollbackPlan, RollbackStep
from updeck.models.template import ItemSpec

GateState = Literal["passed", "open", "failed", "nogo", "empty"]
Verdict = Literal["go", "no-go", "pending"]
WindowState = Literal["not planned", "planned", "open", "closed"]

LATE_SLACK = 60.0  # seconds past a deadline before a finished item counts as late


# --- approvals and item gates ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ApproverState:
    """One approver of an approval item and what they decided (``go`` None: not yet)."""

    approver: str
    go: bool | None = None
    by: str | None = None  # who recorded the decision
    at: datetime | None = None
    note: str = ""
    login: str = ""  # the real login when it differs from ``by`` (decided through ``--as``)

    @property
    def who(self) -> str | None:
        """``alice``, or ``bob (as alice)`` when bob decided as alice; None when undecided."""
        if self.by is None:
            return None
        return f"{self.login} (as {self.by})" if self.login and self.login != self.by else self.by

    @property
    def decision(self) -> str | None:
        """``"go"``, ``"no-go"`` or None (pending)."""
        return None if self.go is None else ("go" if self.go else "no-go")


@dataclass(frozen=True, slots=True)
class ItemGate:
    """An item seen as a gate (``updeck gate``): go once done or skipped, no-go once
    failed, else pending; for an approval, each approver's decision."""

    item: str
    title: str
    phase: str
    kind: str
    owner: str
    status: ItemStatus
    by: str  # who made the last move
    reason: str
    verdict: Verdict
    approvers: tuple[ApproverState, ...]  # in the template's order
    decisions: tuple[Decision, ...]  # as recorded, oldest first
    waiting_for: tuple[str, ...]  # dependencies not done or skipped

    @property
    def closed(self) -> bool:
        return self.verdict == "go"

    @property
    def go(self) -> tuple[str, ...]:
        return tuple(a.approver for a in self.approvers if a.go is True)

    @property
    def no_go(self) -> tuple[str, ...]:
        return tuple(a.approver for a in self.approvers if a.go is False)

    @property
    def pending(self) -> tuple[str, ...]:
        return tuple(a.approver for a in self.approvers if a.go is None)


def item_gate(state: ProjectState, item_id: str) -> ItemGate:
    """The gate view of one item (any kind; non-approvals have no approvers)."""
    spec, run = state.specs[item_id], state.items[item_id]
    decided = {d.approver: d for d in run.decisions}
    if run.status in (ItemStatus.DONE, ItemStatus.SKIPPED):
        verdict: Verdict = "go"
    elif run.status is ItemStatus.FAILED:
        verdict = "no-go"
    else:
        verdict = "pending"
    approvers = tuple(
        ApproverState(a) if (d := decided.get(a)) is None else
        ApproverState(a, d.go, d.by, d.at, d.note, d.login)
        for a in spec.approvers)
    return ItemGate(item_id, spec.title, spec.phase, spec.kind, spec.owner, run.status, run.by,
                    run.reason, verdict, approvers, run.decisions,
                    tuple(state.open_dependencies(item_id)))


# --- phases --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PhaseSummary:
    """One of the seven phases: its progress, its gate, and how many of its items are late."""

    id: str
    number: int
    title: str
    in_template: bool
    progress: rollups.Progress
    gate: rollups.Gate
    gate_state: GateState  # passed | open | failed | nogo (an approval said no-go) | empty
    late: tuple[str, ...]  # open late items of this phase

    @property
    def gate_passed(self) -> bool:
        """Every required item done or skipped (an empty phase passes)."""
        return self.gate.complete

    @property
    def percent(self) -> int:
        return round(100 * self.progress.by_count)

    @property
    def percent_by_estimate(self) -> int:
        return round(100 * self.progress.by_estimate)


def _gate_state(state: ProjectState, progress: rollups.Progress, gate: rollups.Gate) -> GateState:
    if not progress.total:
        return "empty"
    if gate.complete:
        return "passed"
    if any(state.specs[i].is_approval and any(not d.go for d in state.items[i].decisions)
           for i in gate.failed):
        return "nogo"
    return "failed" if gate.failed else "open"


# --- late items ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class LateEntry:
    """A late item: still open past its estimate or due time, or finished late."""

    item: str
    reason: str
    still_open: bool


def finished_late(spec: ItemSpec, run: ItemRun, schedule: Schedule) -> str:
    """Why a done item finished late (after its due time, else after its planned finish),
    or ``""``."""
    finish = run.finished_at
    if finish is None or run.status is not ItemStatus.DONE:
        return ""
    t = schedule.window_start
    if spec.due is not None and t is not None:
        over = (finish - t).total_seconds() - spec.due
        if over > LATE_SLACK:
            return f"finished {format_duration(over)} after its due time ({format_ttime(spec.due)})"
        return ""
    planned = schedule.planned_finish(spec.id)
    if planned is not None:
        over = (finish - planned).total_seconds()
        if over > LATE_SLACK:
            return f"finished {format_duration(over)} after its planned finish"
    return ""


# --- the whole project -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StreamSummary:
    """One workstream (items sharing a ``stream:``) across all phases."""

    id: str
    progress: rollups.Progress
    late: tuple[str, ...]  # its open late items


@dataclass(frozen=True, slots=True)
class ProjectSummary:
    """How the project is doing at ``schedule.now``."""

    state: ProjectState
    schedule: Schedule
    phases: tuple[PhaseSummary, ...]  # all seven, in order (``in_template`` says which it has)
    overall: rollups.Progress
    current_phase: str  # the first phase whose gate is not passed, else the template's last
    all_gates_passed: bool
    approvals: tuple[ItemGate, ...]  # every approval item, template order
    late: tuple[LateEntry, ...]  # open late and finished late items, template order
    window_state: WindowState
    streams: tuple[StreamSummary, ...] = ()  # per workstream, first appearance order; () if none

    @property
    def now(self) -> datetime:
        return self.schedule.now

    @property
    def current_phase_or_none(self) -> str | None:
        """The current phase, or None once every gate has passed."""
        return None if self.all_gates_passed else self.current_phase

    @property
    def open_late(self) -> tuple[LateItem, ...]:
        """Items still open and late, in the schedule's order."""
        return self.schedule.late

    @property
    def late_reasons(self) -> dict[str, str]:
        """Item id -> why it is late (open and finished late)."""
        return {entry.item: entry.reason for entry in self.late}

    @property
    def open_approvals(self) -> tuple[ItemGate, ...]:
        """Approvals not yet done or skipped."""
        return tuple(a for a in self.approvals if a.status not in (ItemStatus.DONE, ItemStatus.SKIPPED))

    def phase(self, phase_id: str) -> PhaseSummary:
        return next(p for p in self.phases if p.id == phase_id)

    def approval(self, item_id: str) -> ItemGate:
        for gate in self.approvals:
            if gate.item == item_id:
                return gate
        return item_gate(self.state, item_id)

    # forecast and backout, read from the schedule under the names people use
    @property
    def forecast_finish(self) -> datetime:
        return self.schedule.forecast_finish

    @property
    def margin(self) -> float | None:
        return self.schedule.margin

    @property
    def margin_level(self) -> str:
        return self.schedule.margin_level

    @property
    def backout(self) -> tuple[RollbackStep, ...]:
        return self.schedule.backout

    @property
    def backout_total(self) -> int:
        return self.schedule.backout_total

    @property
    def rollback_decide_by(self) -> datetime | None:
        return self.schedule.rollback_decide_by

    @property
    def point_of_no_return_passed(self) -> bool:
        return self.schedule.point_of_no_return_passed

    @property
    def rollback(self) -> RollbackPlan | None:
        return self.state.rollback

    @property
    def rollback_state(self) -> str:
        """``none``, ``in_progress``, ``finished`` or ``cancelled``."""
        return rollback_state(self.state)

    @property
    def clock(self) -> CutoverClock:
        """The cutover's one truth: before T, running, rollback, fix forward or closed."""
        return cutover_clock(self.state, self.schedule)


def window_state(state: ProjectState) -> WindowState:
    if state.opened_at is not None and state.closed_at is None:
        return "open"
    if state.closed_at is not None:
        return "closed"
    if state.window.start is not None:
        return "planned"
    return "not planned"


def summarise(state: ProjectState, schedule: Schedule) -> ProjectSummary:
    """The one summary of a project at ``schedule.now``."""
    open_late = {entry.item: entry.reason for entry in schedule.late}
    present = {p.id for p in state.project.template.phases}
    phases: list[PhaseSummary] = []
    for meta in PHASES:
        progress = rollups.phase_progress(state, meta.id)
        gate = rollups.gate(state, meta.id)
        late = tuple(spec.id for spec in state.phase_items(meta.id) if spec.id in open_late) \
            if meta.id in present and open_late else ()
        phases.append(PhaseSummary(meta.id, meta.number, meta.title, meta.id in present, progress,
                                   gate, _gate_state(state, progress, gate), late))
    late_entries: list[LateEntry] = []
    for spec in state.specs.values():
        if spec.id in open_late:
            late_entries.append(LateEntry(spec.id, open_late[spec.id], True))
        elif reason := finished_late(spec, state.items[spec.id], schedule):
            late_entries.append(LateEntry(spec.id, reason, False))
    return ProjectSummary(
        state=state,
        schedule=schedule,
        phases=tuple(phases),
        overall=rollups.overall_progress(state),
        current_phase=rollups.current_phase(state),
        all_gates_passed=all(p.gate.complete for p in phases),
        approvals=tuple(item_gate(state, spec.id) for spec in state.specs.values()
                        if spec.is_approval),
        late=tuple(late_entries),
        window_state=window_state(state),
        streams=tuple(
            StreamSummary(name, progress, tuple(
                spec.id for spec in state.specs.values()
                if spec.stream == name and spec.id in open_late))
            for name, progress in rollups.stream_progress(state).items()),
    )
