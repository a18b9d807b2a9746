"""Builders shared by the storage tests, their writer processes and bench/bench_storage.py."""

from __future__ import annotations

from datetime import UTC, datetime

from updeck.models.events import Operator
from updeck.models.phases import PHASE_IDS
from updeck.models.project import Project, instantiate
from updeck.models.template import ItemSpec, PhaseSpec, Template

OPERATOR = Operator(user="alice", host="jump1", ssh_client="10.0.0.7")
T0 = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


def make_template(items: int = 20, *, approvals: int = 0, metrics: int = 0) -> Template:
    """``items`` independent tasks spread over the seven phases (ids ``i0001``...), plus
    ``approvals`` approval items (``a01``...) decided by ``alice`` and ``bob``, plus
    ``metrics`` metric items (``m01``...) in the monitor phase."""
    per_phase: dict[str, list[ItemSpec]] = {p: [] for p in PHASE_IDS}
    for n in range(1, items + 1):
        phase = PHASE_IDS[n % len(PHASE_IDS)]
        per_phase[phase].append(ItemSpec(
            id=f"i{n:04d}", title=f"Step {n}: do the thing number {n}", phase=phase,
            details="Check the service, then record the result.", estimate=600,
            rollback=f"undo step {n}", rollback_estimate=300, owner="ops"))
    for n in range(1, approvals + 1):
        per_phase["execute"].append(ItemSpec(
            id=f"a{n:02d}", title=f"Go/no-go {n}", phase="execute", kind="approval",
            approvers=("alice", "bob")))
    for n in range(1, metrics + 1):
        per_phase["monitor"].append(ItemSpec(
            id=f"m{n:02d}", title=f"Metric {n} back to baseline", phase="monitor", kind="metric",
            baseline="120ms", target="<= 150ms"))
    phases = tuple(PhaseSpec(id=p, description=f"phase {p}", items=tuple(per_phase[p]))
                   for p in PHASE_IDS)
    return Template(id="bench", name="Bench upgrade", phases=phases, version="1",
                    window_duration=4 * 3600)


def make_project(items: int = 20, *, name: str = "CRM upgrade", project_id: str | None = None,
                 approvals: int = 0, metrics: int = 0) -> Project:
    return instantiate(make_template(items, approvals=approvals, metrics=metrics), name, {},
                       project_id=project_id)
