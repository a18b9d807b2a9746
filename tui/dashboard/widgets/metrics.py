"""Metrics of the monitor phase: baseline, target, the latest reading, and whether it
meets the target (said in words, not only in colour)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from updeck.models.rollups import metric_statuses
from updeck.models.schedule import Schedule
from updeck.models.state import ProjectState
from updeck.tui.dashboard.format import plain
from updeck.tui.dashboard.host import dashboard
from updeck.tui.dashboard.view import metric_word
from updeck.tui.dashboard.widgets._panel import PhasePanel

MET_STYLE = {True: "green", False: "bold red", None: "yellow"}


class MetricsPanel(PhasePanel):
    TITLE = "Metrics against targets"
    PHASES = ("monitor",)

    def build(self, state: ProjectState, schedule: Schedule | None, now: datetime) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        rows = metric_statuses(state)
        if not rows:
            out.append("no metrics in this project", style="dim")
            return out
        for i, m in enumerate(rows):
            if i:
                out.append("\n")
            style = "dim" if m.latest is None else MET_STYLE[m.met]
            out.append(f"{metric_word(m.met, m.latest):<17}", style=style)
            out.append(f"{m.item}: ", style="bold")
            out.append(f"now {plain(m.latest) if m.latest else '-'}")
            out.append(f"  target {plain(m.target) or '-'}  baseline {plain(m.baseline) or '-'}",
                       style="dim")
            if m.latest is not None and m.met is None:
                out.append(f"  ({plain(m.reason)})", style="dim")
        if not dashboard(self).read_only:
            out.append("\nm on a metric item records a reading", style="dim")
        return out
