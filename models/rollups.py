"""Roll-ups of a project's state: progress, gates, current phase, budget,
requirements traceability, workload per owner, and metric status.

All functions are pure and read a :class:`updeck.models.state.ProjectState`; done and skipped
items count as complete everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from updeck.models.metric_target import ReadingError, TargetError, judge_reading, parse_reading, parse_target
from updeck.models.phases import PHASE_IDS
from updeck.models.state import CLOSED, ItemRun, ItemStatus, ProjectState
from updeck.models.template import ItemSpec

S = ItemStatus


# --- progress ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Progress:
    """Progress of a set of items (a phase, or the whole project)."""

    phase: str | None  # None for the whole project
    total: int = 0
    complete: int = 0  # done + skipped
    done: int = 0
    skipped: int = 0
    in_progress: int = 0
    failed: int = 0
    blocked: int = 0
    todo: int = 0
    estimate_total: int = 0  # seconds; items without an estimate weigh nothing
    estimate_complete: int = 0

    @property
    def by_count(self) -> float:
        """Share of items complete, 0..1; an empty set is complete (1.0)."""
        return self.complete / self.total if self.total else 1.0

    @property
    def by_estimate(self) -> float:
        """Share of estimated work complete, 0..1; without estimates, by count."""
        if not self.estimate_total:
            return self.by_count
        return self.estimate_complete / self.estimate_total

    @property
    def open(self) -> int:
        return self.total - self.complete


def _progress(phase: str | None, specs: Iterable[ItemSpec], runs: dict[str, ItemRun]) -> Progress:
    counts = dict.fromkeys(S, 0)
    total = est_total = est_complete = 0
    for spec in specs:
        status = runs[spec.id].status
        counts[status] += 1
        total += 1
        estimate = spec.estimate or 0
        est_total += estimate
        if status in CLOSED:
            est_complete += estimate
    return Progress(
        phase=phase, total=total, complete=counts[S.DONE] + counts[S.SKIPPED],
        done=counts[S.DONE], skipped=counts[S.SKIPPED], in_progress=counts[S.IN_PROGRESS],
        failed=counts[S.FAILED], blocked=counts[S.BLOCKED], todo=counts[S.TODO],
        estimate_total=est_total, estimate_complete=est_complete,
    )


def phase_progress(state: ProjectState, phase_id: str) -> Progress:
    return _progress(phase_id, state.phase_items(phase_id), state.items)


def progress(state: ProjectState) -> tuple[tuple[Progress, ...], Progress]:
    """Progress of each of the seven phases (in order; a phase the template leaves out
    has no items), and of the whole project."""
    phases = tuple(phase_progress(state, phase_id) for phase_id in PHASE_IDS)
    overall = Progress(
        phase=None,
        **{name: sum(getattr(p, name) for p in phases)
           for name in ("total", "complete", "done", "skipped", "in_progress", "failed", "blocked",
                        "todo", "estimate_total", "estimate_complete")},
    )
    return phases, overall


def stream_progress(state: ProjectState) -> dict[str, Progress]:
    """Progress of each workstream (items' ``stream:``), in order of first appearance;
    empty when no item names a stream. ``Progress.phase`` is None for these."""
    by_stream: dict[str, list[ItemSpec]] = {}
    for spec in state.specs.values():
        if spec.stream:
            by_stream.setdefault(spec.stream, []).append(spec)
    return {name: _progress(None, specs, state.items) for name, specs in by_stream.items()}


def overall_progress(state: ProjectState) -> Progress:
    return _progress(None, state.specs.values(), state.items)


# --- gates ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Gate:
    """A phase gate: complete when every required item is done or skipped (a failed
    optional item does not hold it: template-format.md). ``holding`` lists what keeps it
    shut, in template order; ``failed`` every failed item, optional ones included."""

    phase: str
    complete: bool
    holding: tuple[str, ...]  # required items not done/skipped (failed ones included)
    failed: tuple[str, ...]  # the failed items among them (optional ones included)


def gate(state: ProjectState, phase_id: str) -> Gate:
    holding: list[str] = []
    failed: list[str] = []
    for spec in state.phase_items(phase_id):
        status = state.items[spec.id].status
        if status is S.FAILED:
            failed.append(spec.id)
        if spec.required and status not in CLOSED:
            holding.append(spec.id)
    return Gate(phase_id, not holding, tuple(holding), tuple(failed))


def current_phase(state: ProjectState) -> str:
    """The first phase of the template whose gate is not complete, else its last phase."""
    phase_ids = [p.id for p in state.project.template.phases] or [PHASE_IDS[0]]
    for phase_id in phase_ids:
        if not gate(state, phase_id).complete:
            return phase_id
    return phase_ids[-1]


# --- budget -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class BudgetLine:
    """Planned (template ``cost``) against recorded actual cost. Variance = actual - planned:
    positive is over budget."""

    key: str  # a phase id, an item id, or "total"
    planned: float
    actual: float

    @property
    def variance(self) -> float:
        return self.actual - self.planned

    @property
    def variance_ratio(self) -> float | None:
        """Variance as a share of the plan; None without a plan."""
        return self.variance / self.planned if self.planned else None


@dataclass(frozen=True, slots=True)
class Budget:
    phases: tuple[BudgetLine, ...]  # the seven phases, in order
    items: tuple[BudgetLine, ...]  # items with a planned or an actual cost, template order
    total: BudgetLine

    @property
    def planned(self) -> float:
        return self.total.planned

    @property
    def actual(self) -> float:
        return self.total.actual

    @property
    def variance(self) -> float:
        return self.total.variance


def budget(state: ProjectState) -> Budget:
    per_phase: dict[str, list[float]] = {phase_id: [0.0, 0.0] for phase_id in PHASE_IDS}
    lines: list[BudgetLine] = []
    for spec in state.specs.values():
        run = state.items[spec.id]
        if spec.cost is None and run.actual_cost is None:
            continue
        planned = float(spec.cost or 0.0)
        actual = float(run.actual_cost or 0.0)
        lines.append(BudgetLine(spec.id, planned, actual))
        sums = per_phase.setdefault(spec.phase, [0.0, 0.0])
        sums[0] += planned
        sums[1] += actual
    phases = tuple(BudgetLine(phase_id, p, a) for phase_id, (p, a) in per_phase.items())
    total = BudgetLine("total", sum(line.planned for line in phases), sum(line.actual for line in phases))
    return Budget(phases, tuple(lines), total)


# --- requirements traceability ----------------------------------------------------

@dataclass(frozen=True, slots=True)
class CoveringItem:
    """An item that covers a requirement, and whether it passes: done, and its last
    verification (if it has any) exited 0."""

    item: str
    status: ItemStatus
    last_exit_code: int | None
    passed: bool


@dataclass(frozen=True, slots=True)
class Requirement:
    item: str
    title: str
    priority: str
    goal: str
    status: ItemStatus
    tests: tuple[CoveringItem, ...]

    @property
    def covered(self) -> bool:
        return bool(self.tests)

    @property
    def passing(self) -> bool:
        """At least one covering test passes."""
        return any(test.passed for test in self.tests)

    @property
    def flagged(self) -> bool:
        """A ``must`` without a passing test."""
        return self.priority == "must" and not self.passing


def covering_item_passes(run: ItemRun) -> bool:
    """Done, and the last verification, if any, exited 0."""
    if run.status is not S.DONE:
        return False
    last = run.last_verification
    return last is None or last.exit_code == 0


def traceability(state: ProjectState) -> tuple[Requirement, ...]:
    """Each ``requirements``-phase item with the items that cover it, in template order."""
    covering: dict[str, list[str]] = {}
    for spec in state.specs.values():
        for requirement in spec.covers:
            covering.setdefault(requirement, []).append(spec.id)
    out: list[Requirement] = []
    for spec in state.phase_items("requirements"):
        tests: list[CoveringItem] = []
        for test_id in covering.get(spec.id, ()):
            run = state.items[test_id]
            last = run.last_verification
            tests.append(CoveringItem(test_id, run.status, last.exit_code if last else None,
                                      covering_item_passes(run)))
        out.append(Requirement(spec.id, spec.title, spec.priority, spec.goal,
                               state.items[spec.id].status, tuple(tests)))
    return tuple(out)


def unmet_musts(state: ProjectState) -> tuple[str, ...]:
    """Ids of the ``must`` requirements that no passing test covers."""
    return tuple(req.item for req in traceability(state) if req.flagged)


# --- workload ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Workload:
    owner: str  # "" for items without an owner
    items: int
    open_items: int  # not done or skipped
    estimate_total: int  # seconds
    estimate_open: int


def workload(state: ProjectState) -> tuple[Workload, ...]:
    """Per owner, sorted by owner (the unowned, "", first)."""
    sums: dict[str, list[int]] = {}
    for spec in state.specs.values():
        row = sums.setdefault(spec.owner, [0, 0, 0, 0])
        estimate = spec.estimate or 0
        row[0] += 1
        row[2] += estimate
        if state.items[spec.id].status not in CLOSED:
            row[1] += 1
            row[3] += estimate
    return tuple(Workload(owner, *row) for owner, row in sorted(sums.items()))


# --- metrics ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MetricStatus:
    item: str
    target: str
    baseline: str
    latest: str | None  # the latest recorded value, as written
    met: bool | None  # None: no reading, or reading and target not comparable
    reason: str


def compare_to_target(value: str, target: str) -> tuple[bool | None, str]:
    """Whether a reading meets a target (``updeck.models.metric_target``'s grammar).

    The answer is None, with the reason, when the target does not parse or the reading
    is not a number of the target's unit kind.
    """
    return judge_reading(value, target)


def metric_status(spec: ItemSpec, run: ItemRun) -> MetricStatus:
    """The latest reading of a metric item against its target."""
    latest = run.metrics[-1].value if run.metrics else None
    if latest is None:
        return MetricStatus(spec.id, spec.target, spec.baseline, None, None, "no reading yet")
    if not spec.target:
        return MetricStatus(spec.id, spec.target, spec.baseline, latest, None, "no target set")
    met, reason = compare_to_target(latest, spec.target)
    return MetricStatus(spec.id, spec.target, spec.baseline, latest, met, reason)


def metric_not_met(spec: ItemSpec, run: ItemRun) -> str | None:
    """Why a metric item may not be marked done without a reason, or None when it may."""
    status = metric_status(spec, run)
    if status.met:
        return None
    if status.latest is None:
        why = "it has no reading yet"
    elif status.met is False:
        why = f"its latest reading {status.reason}"
    elif not spec.target:
        return None  # no target: any reading will do
    else:
        why = f"its latest reading cannot be compared ({status.reason})"
    return (f"cannot mark {spec.id} done: {why}; record a reading that meets the target "
            "(updeck metric), or give the reason to close it anyway (--note)")


def reading_problem(spec: ItemSpec, value: str) -> str | None:
    """Why ``value`` is not a reading for this item's target, or None.

    Items without a target, or with one an older template wrote that does not parse,
    take any reading.
    """
    if not spec.target:
        return None
    try:
        target = parse_target(spec.target)
    except TargetError:
        return None
    try:
        parse_reading(value, target)
    except ReadingError as exc:
        return f"{exc}; the reading of {spec.id} was not recorded"
    return None


def metric_statuses(state: ProjectState) -> tuple[MetricStatus, ...]:
    """Every ``metric`` item, in template order."""
    return tuple(metric_status(spec, state.items[spec.id])
                 for spec in state.specs.values() if spec.kind == "metric")
