"""Audiences and training sessions of the communicate phase."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from updeck.models.durations import format_ttime
from updeck.models.schedule import Schedule
from updeck.models.state import STATUS_SYMBOL, ProjectState
from updeck.tui.dashboard.format import RICH_STATUS_STYLE, plain
from updeck.tui.dashboard.widgets._panel import PhasePanel


class AudiencesPanel(PhasePanel):
    TITLE = "Audiences and training"
    PHASES = ("communicate",)

    def build(self, state: ProjectState, schedule: Schedule | None, now: datetime) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        rows = [s for s in state.specs.values() if s.kind in ("comms", "training")]
        if not rows:
            out.append("no announcements or training sessions", style="dim")
            return out
        late = {li.item for li in schedule.late} if schedule else set()
        audiences: dict[str, list[str]] = {}
        for spec in rows:
            audiences.setdefault(spec.audience or "(no audience)", []).append(spec.id)
        for spec in rows:
            run = state.items[spec.id]
            out.append(STATUS_SYMBOL[run.status] + " ", style=RICH_STATUS_STYLE[run.status])
            due = format_ttime(spec.due) if spec.due is not None else "-"
            out.append(f"{due:<6} ", style="bold red" if spec.id in late else "dim")
            out.append("train " if spec.kind == "training" else "comms ", style="dim")
            out.append(f"{plain(spec.audience) or '-'}: ", style="bold")
            out.append(plain(spec.title))
            if spec.id in late:
                out.append(" LATE", style="bold red")
            out.append("\n")
        out.append(f"{len(audiences)} audiences", style="dim")
        return out
