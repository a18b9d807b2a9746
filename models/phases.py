"""The seven phases of a system upgrade, in order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Phase:
    id: str
    number: int
    title: str
    purpose: str


PHASES: tuple[Phase, ...] = (
    Phase("assess", 1, "Assess the current system",
          "inventory, dependencies, limits, end-user needs"),
    Phase("requirements", 2, "Define upgrade requirements",
          "features, functions, priorities tied to business goals"),
    Phase("plan", 3, "Create the project plan",
          "timeline, budget, resources, stakeholders, risks"),
    Phase("test", 4, "Procure and test the new system",
          "procurement, test scenarios, user feedback, approval"),
    Phase("communicate", 5, "Communicate and train end-users",
          "status updates, announcements, training sessions"),
    Phase("execute", 6, "Execute the upgrade",
          "the cutover runbook, go/no-go, backup and rollback"),
    Phase("monitor", 7, "Monitor and evaluate",
          "performance, feedback, issues, maintenance"),
)

PHASE_IDS: tuple[str, ...] = tuple(p.id for p in PHASES)
PHASE_BY_ID: dict[str, Phase] = {p.id: p for p in PHASES}


def phase(phase_id: str) -> Phase:
    """The phase with this id; KeyError names the valid ids."""
    try:
        return PHASE_BY_ID[phase_id]
    except KeyError:
        raise KeyError(f"unknown phase {phase_id!r}; expected one of {', '.join(PHASE_IDS)}") from None
