"""What the dashboard shows, computed from a state and a moment: one place that reads
the project summary (updeck.models.summary) and updeck.models.rollups, so the widgets only draw."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from updeck.models import rollups
from updeck.models.schedule import Schedule, compute_schedule
from updeck.models.state import ProjectState
from updeck.models.summary import ProjectSummary, summarise
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
    summary: ProjectSummary
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


def phase_infos(summary: ProjectSummary) -> list[PhaseInfo]:
    """The seven phases as the phase bar draws them, read from the project summary."""
    return [PhaseInfo(p.id, p.number, SHORT_PHASE[p.id], p.title, p.progress.complete,
                      p.progress.total, p.gate_state, p.gate.holding, len(p.late),
                      p.progress.in_progress)
            for p in summary.phases]


def project_view(state: ProjectState, now: datetime) -> ProjectView:
    summary = summarise(state, compute_schedule(state, now))
    late = {li.item: li.reason for li in summary.open_late}
    return ProjectView(state, summary.schedule, phase_infos(summary), summary.current_phase, summary,
                       late)


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
