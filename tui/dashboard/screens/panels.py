"""Which phases have a panel, in words, for the key bar, help and the `p` key."""

from __future__ import annotations

from updeck.models.phases import PHASES
from updeck.tui.dashboard.format import SHORT_PHASE

PANEL_PHASES: dict[str, tuple[str, ...]] = {
    "traceability": ("requirements", "test"),
    "budget": ("plan",),
    "audiences": ("communicate",),
    "metrics": ("monitor",),
}


def no_panel_text(phase: str | None) -> str:
    """``phase 6 Execute has no panel; panels: …`` (what `p` says where it has nothing)."""
    numbers = {p.id: p.number for p in PHASES}
    where = " · ".join(",".join(str(numbers[p]) for p in phases) + f" {name}"
                       for name, phases in PANEL_PHASES.items())
    title = f"{numbers[phase]} {SHORT_PHASE[phase]}" if phase in numbers else "this phase"
    return f"no panel on {title} · {where}"
