"""What the dashboard shows, computed from a state and a moment: one place that reads
updeck.models.schedule and updeck.models.rollups, so the widgets only draw."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from updeck.models import rollups
from updeck.models.phases import PHASES
from updeck.models.schedule import Schedule, compute_schedule
from updeck.models.state import ProjectState
from updeck.tui.dashboard.format import SHORT_PHASE

GATE_SYMBOL = {"passed": "✔", "open": "◌", "failed": "✘", "nogo": "✘", "empty": "·"}
GATE_WORD = {"passed": "gate passed", "open": "gate held by open items",
             "failed": "gate held by a failed item", "nogo": "NO-GO on an approval",
             "empty": "no items in this phase"}


@dataclass(frozen=True, slots=True)
class PhaseInfo:
    id: str
    number: int
    short: str
    title: str
    done: int
    total: int
    gate: str  # passed | open | failed | nogo | empty
    holding: tuple[str, ...] = ()
    late: int = 0
    running: int = 0

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


@dataclass(slots=True)
class ProjectView:
    state: ProjectState
    schedule: Schedule
    phases: list[PhaseInfo]
    current_phase: str
    late: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return sum(p.done for p in self.phases)

    @property
    def total(self) -> int:
        return sum(p.total for p in self.phases)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    @property
    def has_nogo(self) -> bool:
        return any(p.gate == "nogo" for p in self.phases)


def phase_infos(state: ProjectState, late: dict[str, str] | None = None) -> list[PhaseInfo]:
    late = late or {}
    phases, _overall = rollups.progress(state)
    infos: list[PhaseInfo] = []
    for phase, prog in zip(PHASES, phases, strict=True):
        g = rollups.gate(state, phase.id)
        nogo = any(state.specs[i].is_approval and any(not d.go for d in state.items[i].decisions)
                   for i in g.failed)
        if not prog.total:
            word = "empty"
        elif g.complete:
            word = "passed"
        elif nogo:
            word = "nogo"
        elif g.failed:
            word = "failed"
        else:
            word = "open"
        late_n = sum(1 for spec in state.phase_items(phase.id) if spec.id in late) if late else 0
        infos.append(PhaseInfo(phase.id, phase.number, SHORT_PHASE[phase.id], phase.title,
                               prog.complete, prog.total, word, g.holding, late_n,
                               prog.in_progress))
    return infos


def project_view(state: ProjectState, now: datetime) -> ProjectView:
    schedule = compute_schedule(state, now)
    late = {li.item: li.reason for li in schedule.late}
    infos = phase_infos(state, late)
    return ProjectView(state, schedule, infos, rollups.current_phase(state), late)


# --- what the record dialogs and their panels need (updeck.models.rollups, read here) ----------

MET_MARK = {True: "✔ on target", False: "✘ OFF TARGET", None: "? not comparable"}


def metric_of(state: ProjectState, item_id: str) -> rollups.MetricStatus:
    """The latest reading of a metric item against its target."""
    return rollups.metric_status(state.specs[item_id], state.items[item_id])


def metric_check(value: str, target: str) -> tuple[bool | None, str]:
    """Would ``value`` meet ``target``? (None: not comparable), with the reason in words."""
    if not target.strip():
        return None, "no target set"
    return rollups.compare_to_target(value, target)


def metric_word(met: bool | None, latest: str | None) -> str:
    """``✔ on target`` / ``✘ OFF TARGET`` / ``? not comparable`` / ``· no reading``."""
    if latest is None:
        return "· no reading"
    return MET_MARK[met]


def budget_line(state: ProjectState, item_id: str) -> rollups.BudgetLine:
    """Planned (template ``cost``) and recorded actual cost of one item."""
    spec, run = state.specs[item_id], state.items[item_id]
    return rollups.BudgetLine(item_id, float(spec.cost or 0.0), float(run.actual_cost or 0.0))
