"""Budget planned against actual, and the remaining workload per owner."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from updeck.models.rollups import budget, workload
from updeck.models.schedule import Schedule
from updeck.models.state import ProjectState
from updeck.tui.dashboard.format import dur, money, plain
from updeck.tui.dashboard.widgets._panel import PhasePanel


class BudgetPanel(PhasePanel):
    TITLE = "Budget and workload"
    PHASES = ("plan",)

    def build(self, state: ProjectState, schedule: Schedule | None, now: datetime) -> Text:
        totals = budget(state)
        planned, actual = totals.planned, totals.actual
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append("budget planned ")
        out.append(money(planned), style="bold")
        out.append("  actual ")
        over = actual > planned
        out.append(money(actual), style="bold red" if over else "bold")
        if planned:
            out.append(f" ({actual / planned:.0%})")
        if over:
            out.append(f" OVER by {money(actual - planned)}", style="bold red")
        spent = [line for line in totals.items if line.actual]
        if spent:
            out.append("\nactual by item", style="bold")
            for line in spent[:5]:
                out.append(f"\n  {plain(line.key)[:22]:<22} {money(line.actual):>10}")
                if line.planned:
                    out.append(f" of {money(line.planned)}")
                    if line.variance > 0:
                        out.append(f" OVER {money(line.variance)}", style="bold red")
            if len(spent) > 5:
                out.append(f"\n  … {len(spent) - 5} more", style="dim")
        out.append("\nworkload: owner, open items, open estimate", style="bold")
        rows = sorted(workload(state), key=lambda w: (-w.estimate_open, -w.open_items, w.owner))
        for w in rows[:8]:
            if not w.open_items:
                continue
            out.append(f"\n  {plain(w.owner or '(nobody)')[:14]:<14} {w.open_items:>4} "
                       f"{dur(w.estimate_open):>7}")
        return out
