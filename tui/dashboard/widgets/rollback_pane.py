"""The rollback pane's text: the backout steps newest first, each with its state and its
times, the step to work on marked, and when the backout finishes against the window end."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from updeck.models.rollback import BackoutForecast
from updeck.models.state import ItemStatus, RollbackPlan
from updeck.tui.common.rollback_text import forecast_line, step_line
from updeck.tui.dashboard.format import RICH_STATUS_STYLE, plain

PANE_TITLE = "Rollback: steps newest first"
PANE_KEYS = "s start · d done · f fail · x skip · F finish · C cancel"


def rollback_text(plan: RollbackPlan, forecast: BackoutForecast | None, now: datetime) -> Text:
    text = Text()
    style = "bold red" if forecast is not None and (forecast.margin or 0) < 0 else "bold"
    if forecast is not None:
        text.append(forecast_line(forecast) + "\n", style=style)
    if not plan.steps:
        text.append("no backout steps: no done item has a rollback; F finishes\n", style="dim")
    current = forecast.next_step if forecast is not None else None
    for step in plan.steps:
        mark = "▸ " if step.item == current else "  "
        text.append(mark, style="bold")
        text.append(plain(step_line(step, now)), style=RICH_STATUS_STYLE.get(step.status, ""))
        if step.status not in (ItemStatus.DONE, ItemStatus.SKIPPED):
            first = plain(step.text.splitlines()[0] if step.text else "")
            text.append(f"\n      {first}", style="dim")
        text.append("\n")
    if forecast is not None and current is None and plan.steps:
        text.append("every step is closed: F finishes the rollback", style="bold green")
    text.rstrip()
    return text
