"""Budget planned against actual, and the remaining workload per owner."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from models.rollups import budget, workload
from models.schedule import Schedule
from models.state import ProjectState
from tui.format import dur, plain
from tui.widgets._panel import PhasePanel


class BudgetPanel(PhasePanel):
    TITLE = "Budget and workload"
    PHASES = ("plan",)

    def build(self, state: ProjectState, schedule: Schedule | None, now: datetime) -> Text:
        money = budget(state)
        planned, actual = money.planned, money.actual
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append("budget planned ")
        out.append(f"{planned:,.0f}", style="bold")
        out.append("  actual ")
        over = actual > planned
        out.append(f"{actual:,.0f}", style="bold red" if over else "bold")
        if planned:
            out.append(f" ({actual / planned:.0%})")
        if over:
            out.append(f" OVER by {actual - planned:,.0f}", style="bold red")
        out.append("\nworkload: owner, open items, open estimate", style="bold")
        rows = sorted(workload(state), key=lambda w: (-w.estimate_open, -w.open_items, w.owner))
        for w in rows[:8]:
            if not w.open_items:
                continue
            out.append(f"\n  {plain(w.owner or '(nobody)')[:14]:<14} {w.open_items:>4} "
                       f"{dur(w.estimate_open):>7}")
        return out
