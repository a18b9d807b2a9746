"""The selected item in full: every template field, its history from the status log,
its verification evidence, and what it blocks."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from updeck.models.durations import format_ttime
from updeck.models.events import Event
from updeck.models.schedule import Schedule
from updeck.models.state import STATUS_WORD, ItemStatus, ProjectState
from updeck.models.text import block
from updeck.tui.dashboard.format import (
    RICH_STATUS_STYLE,
    describe,
    dur,
    hhmm,
    money,
    plain,
    stamp,
    status_label,
)
from updeck.tui.dashboard.view import budget_line, metric_of, metric_word

MET_STYLE = {True: "green", False: "bold red", None: "yellow"}

SHORT_FIELDS = {"kind", "owner", "estimate", "at", "due", "priority", "cost",
                "rollback_estimate", "point_of_no_return"}
FIELDS = ("kind", "owner", "required", "estimate", "at", "due", "depends_on", "verify",
          "rollback", "rollback_estimate", "point_of_no_return", "approvers", "priority",
          "goal", "covers", "cost", "audience", "baseline", "target", "when", "tags")


def detail_text(state: ProjectState, item_id: str, history: Sequence[Event],
                schedule: Schedule | None) -> Text:
    today = schedule.now if schedule is not None else None
    spec = state.specs[item_id]
    run = state.items[item_id]
    out = Text()
    out.append(plain(spec.title) + "\n", style="bold")
    out.append(status_label(run.status), style=RICH_STATUS_STYLE[run.status])
    if run.by:
        out.append(f" (by {plain(run.by)})", style="dim")
    waiting = state.open_dependencies(item_id)
    if waiting and run.status is ItemStatus.TODO:
        out.append(" · waiting for " + ", ".join(
            f"{d} ({STATUS_WORD[state.items[d].status]})" for d in waiting), style="magenta")
    elif run.status is ItemStatus.TODO:
        out.append(" · ready to start", style="green")
    if run.reason:
        out.append(f"\nreason: {plain(run.reason)}")
    if schedule is not None:
        for late in schedule.late:
            if late.item == item_id:
                out.append(f"\nLATE: {plain(late.reason)}", style="bold red")
        started, finished = run.started_at, run.finished_at
        planned = schedule.planned_start(item_id)
        if planned is not None or started is not None:
            out.append("\nplanned " + (hhmm(planned) if planned else "-")
                       + "  started " + (hhmm(started) if started else "-")
                       + "  finished " + (hhmm(finished) if finished else "-"))
            actual = schedule.actual_duration(item_id)
            if actual is not None:
                running = run.status is ItemStatus.IN_PROGRESS
                out.append(f"  {'running for' if running else 'took'} {dur(actual)}")
    if spec.kind == "metric":
        # The answer first: the latest reading against the target, in words.
        status = metric_of(state, item_id)
        if status.latest is None:
            out.append(f"\nno reading yet (target {plain(status.target) or 'none'})",
                       style="dim")
        else:
            out.append("\nlatest ")
            out.append(plain(status.latest), style="bold")
            out.append(f" against {plain(status.target) or 'no target'}: ")
            out.append(metric_word(status.met, status.latest),
                       style=MET_STYLE.get(status.met, ""))
            if status.met is None:
                out.append(f" ({plain(status.reason)})", style="dim")
    short: list[str] = []
    long: list[tuple[str, str]] = []
    for name in FIELDS:
        value = getattr(spec, name)
        if name == "required":
            if not value:
                short.append("optional")
            continue
        if value in (None, "", (), False):
            continue
        if name in ("estimate", "rollback_estimate"):
            shown = dur(value)
        elif name in ("at", "due"):
            shown = format_ttime(value)
        elif isinstance(value, tuple):
            shown = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            shown = "yes"
        else:
            shown = str(value)
        label = name.replace("_", " ")
        if name in SHORT_FIELDS:
            short.append(f"{label} {plain(shown)}")
        else:
            long.append((label, plain(shown)))
    if short:
        out.append("\n" + " · ".join(short), style="")
    for label, shown in long:
        out.append(f"\n{label}: ", style="dim")
        out.append(shown)
    blocks = state.dependents.get(item_id, ())
    if blocks:
        out.append("\nblocks: ", style="dim")
        out.append(", ".join(blocks[:12]) + (f" +{len(blocks) - 12} more" if len(blocks) > 12 else ""))
    if spec.details:
        out.append("\n\n")
        out.append(block(spec.details.strip()))  # literal text (never markup), newlines kept
    if spec.is_approval:
        out.append("\n\nDecisions", style="bold underline")
        decided = {d.approver: d for d in run.decisions}
        for approver in spec.approvers:
            d = decided.get(approver)
            if d is None:
                out.append(f"\n  ○ {plain(approver)}: pending")
            else:
                word = "✔ GO" if d.go else "✘ NO-GO"
                out.append(f"\n  {word}", style="green" if d.go else "bold red")
                out.append(f" {plain(approver)} by {plain(d.who())} at {hhmm(d.at)}"
                           + (f": {plain(d.note)}" if d.note else ""))
                if d.previous is not None:
                    was = "GO" if d.previous.go else "NO-GO"
                    out.append(f" (changed from {was} by {plain(d.previous.who())})", style="dim")
    if run.verifications:
        out.append("\n\nVerification evidence", style="bold underline")
        for v in run.verifications[-5:]:
            verdict = "✔ passed" if v.passed else f"✘ FAILED: {v.failure}"
            out.append(f"\n  {verdict}", style="green" if v.passed else "bold red")
            out.append(f" {hhmm(v.at)} by {plain(v.by)} on {plain(v.host)}, {v.duration:.1f}s")
            out.append(f"\n  $ {plain(v.command)}", style="dim")
            for line in v.output_tail.strip().splitlines()[-6:]:
                out.append("\n    " + plain(line))
    if spec.kind == "metric":
        out.append("\n\nReadings", style="bold underline")
        if not run.metrics:
            out.append("\n  none yet", style="dim")
        for m in run.metrics[-5:]:
            out.append(f"\n  {hhmm(m.at)} {plain(m.value)} by {plain(m.by)}"
                       + (f": {plain(m.note)}" if m.note else ""))
        if len(run.metrics) > 5:
            out.append(f"\n  ({len(run.metrics) - 5} earlier readings in the history)",
                       style="dim")
    if spec.cost is not None or run.actual_cost is not None:
        cost = budget_line(state, item_id)
        out.append("\n\nCost", style="bold underline")
        out.append(f"\n  planned {money(cost.planned) if spec.cost is not None else 'none'}"
                   f"  actual {money(cost.actual) if run.actual_cost is not None else 'none yet'}")
        if spec.cost is not None and run.actual_cost is not None:
            if cost.variance > 0:
                out.append(f"  OVER by {money(cost.variance)}", style="bold red")
            else:
                out.append(f"  within plan ({money(-cost.variance)} left)", style="green")
    out.append("\n\nHistory", style="bold underline")
    if not history:
        out.append("\n  nothing yet", style="dim")
    for event in history[-30:]:
        out.append(f"\n  {stamp(event.at, today).strip()} {plain(event.by.user)}: ", style="dim")
        out.append(plain(describe(event)))
    return out


class ItemDetail(VerticalScroll, can_focus=True):
    """A scrollable panel; its content is one Static of literal Text."""

    def compose(self) -> ComposeResult:
        yield Static("", id="detail-body", markup=False)

    def show(self, state: ProjectState | None, item_id: str | None, history: Sequence[Event],
             schedule: Schedule | None) -> None:
        body = self.query_one("#detail-body", Static)
        if state is None or item_id is None or item_id not in state.specs:
            body.update(Text("no item selected", style="dim"))
            return
        body.update(detail_text(state, item_id, history, schedule))
