"""Requirements traceability: every requirement, its priority, and the test items that
cover it; a `must` without a passing test is called out."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from updeck.models.rollups import traceability
from updeck.models.schedule import Schedule
from updeck.models.state import STATUS_WORD, ProjectState
from updeck.tui.dashboard.widgets._panel import PhasePanel


class TraceabilityPanel(PhasePanel):
    TITLE = "Traceability"
    PHASES = ("requirements", "test")

    def build(self, state: ProjectState, schedule: Schedule | None, now: datetime) -> Text:
        rows = traceability(state)
        out = Text(no_wrap=True, overflow="ellipsis")
        if not rows:
            out.append("no requirements in this project", style="dim")
            return out
        musts = [r for r in rows if r.priority == "must"]
        ok = sum(1 for r in musts if r.passing)
        out.append(f"musts covered by a passing test: {ok}/{len(musts)}",
                   style="bold" if ok == len(musts) else "bold red")
        for req in rows:
            out.append("\n")
            if req.passing:
                out.append("✔ ", style="green")
            elif req.flagged:
                out.append("✘ ", style="bold red")
            else:
                out.append("◌ ", style="yellow")
            out.append(f"{req.item} ")
            out.append(f"{req.priority or '-'} ", style="dim")
            if req.tests:
                out.append("← " + ", ".join(
                    f"{t.item} ({'passed' if t.passed else STATUS_WORD[t.status]})" for t in req.tests[:3]))
            else:
                out.append("NOT COVERED" if req.priority == "must" else "no test",
                           style="bold red" if req.priority == "must" else "dim")
        return out
