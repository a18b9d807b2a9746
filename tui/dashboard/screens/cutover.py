"""The cutover view (``c``): the big clock, what is running and for how long against its
estimate, what is next and ready, the go/no-go state, the backout time. ``d`` finishes
the running item; with several running, j/k choose which.

During a rollback the rollback pane (its steps and the backout forecast) replaces "next:
ready", and s/d/f/x work on the backout steps, F finishes and C cancels the rollback.
After the point of no return there is no backout and no decide-by, only "fix forward";
once the window is closed the clock stops and the outcome shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static
from updeck.models.commands import (
    AddNote,
    CancelRollback,
    CloseWindow,
    FinishRollback,
    ItemAction,
    MoveItem,
    OpenWindow,
    Refusal,
    RollbackStepAction,
    StartRollback,
)
from updeck.models.cutover_clock import CutoverClock, cutover_clock
from updeck.models.engine import decide
from updeck.models.events import Event
from updeck.models.state import ItemStatus
from updeck.tui.common.rollback_text import clock_line
from updeck.tui.common.rollback_text import hhmm as hhmm_utc
from updeck.tui.dashboard.format import dur, hhmm, margin_text, plain, t_offset, when
from updeck.tui.dashboard.keys import CUTOVER_BINDINGS
from updeck.tui.dashboard.live import LiveProject
from updeck.tui.dashboard.screens.base import ProjectShowingScreen
from updeck.tui.dashboard.view import ProjectView, project_view
from updeck.tui.dashboard.widgets.key_bar import KeyBar
from updeck.tui.dashboard.widgets.rollback_pane import PANE_KEYS, PANE_TITLE, rollback_text

CHANGING = {"finish", "start_next", "note", "window", "rollback", "plan_window", "step_fail",
            "step_skip", "rollback_finish", "rollback_cancel"}
ROLLBACK_ONLY = {"step_fail", "step_skip", "rollback_finish", "rollback_cancel"}


def big_offset(now: datetime, start: datetime | None) -> str:
    """``-02:15:00`` (T-minus) or ``+00:40:00`` (T-plus) for the Digits widget."""
    if start is None:
        return "--:--"
    delta = int((now - start).total_seconds())
    sign = "-" if delta < 0 else "+"
    delta = abs(delta)
    hours, rest = divmod(delta, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}"


class CutoverScreen(ProjectShowingScreen):
    BINDINGS = CUTOVER_BINDINGS

    def __init__(self, project_id: str) -> None:
        super().__init__(project_id)
        self.view: ProjectView | None = None
        self.cursor = 0
        self.running: list[str] = []
        self.clock: CutoverClock | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="cut-top"):
            yield Digits("--:--", id="cut-clock")
            yield Static("", id="cut-window", markup=False)
        with Vertical(id="cut-body"):
            yield Static("", id="cut-running", markup=False)
            yield Static("", id="cut-gates", markup=False)
            yield Static("", id="cut-next", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#cut-running").border_title = "Running now"
        self.query_one("#cut-next").border_title = "Next (ready)"
        self.query_one("#cut-gates").border_title = "Go/no-go and backout"
        self.set_interval(1.0, self.tick)
        self.show_or_load()

    def project_updated(self, live: LiveProject, fresh: list[Event], first: bool = False) -> None:
        self.redraw()
        self.query_one(KeyBar).refresh()  # W shows while no window is planned

    def project_failed(self, error: str) -> None:
        self.query_one("#cut-window", Static).update(Text("NOT CURRENT: " + error,
                                                          style="bold red"))

    def tick(self) -> None:
        if self.live is not None and self.dashboard.top_screen is self:
            self.redraw()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in CHANGING and self.read_only)

    def key_hidden(self, action: str) -> bool:
        """W shows in the key bar while no window is planned (it works at any time)."""
        if action == "plan_window":
            return self.live is None or self.live.state.window.start is not None
        if action in ROLLBACK_ONLY:  # the step keys show while a rollback is in progress
            return self.live is None or not self.live.state.rollback_active()
        if action == "rollback":  # (it still answers: already in progress)
            return self.live is not None and self.live.state.rollback_active()
        return False

    # --- drawing ---------------------------------------------------------------------

    def redraw(self) -> None:
        live = self.live
        if live is None:
            return
        now = self.now()
        self.view = view = project_view(live.state, now)
        state, sched = view.state, view.schedule
        self.running = [i for i in sched.running if not state.specs[i].is_approval]
        self.cursor = min(self.cursor, max(len(self.running) - 1, 0))
        self.clock = clock = cutover_clock(state, sched)
        # the clock stops at the close once the window is closed
        self.query_one("#cut-clock", Digits).update(big_offset(clock.clock_at, sched.window_start))

        top = Text(no_wrap=True, overflow="ellipsis")
        top.append(f"{t_offset(clock.clock_at, sched.window_start)} ", style="bold reverse")
        if clock.mode == "rollback":
            top.append(" ROLLBACK IN PROGRESS ", style="bold red reverse")
        if self.read_only:
            top.append(" [read-only]", style="bold yellow")
        if state.project.rehearsal_of:
            top.append(" REHEARSAL", style="bold reverse")
        top.append(" " + plain(state.project.name) + "\n", style="bold")
        top.append(f"now {hhmm(now, seconds=True)} UTC\n")
        if sched.window_start is not None:
            top.append(f"window {when(sched.window_start, now)}→"
                       f"{when(sched.window_end, sched.window_start)}")
            if state.opened_at and not state.closed_at:
                top.append(" OPEN", style="bold green")
            top.append("\n")
        elif self.read_only:
            top.append("no window planned\n", style="bold")
        else:
            top.append("no window planned — W to plan one\n", style="bold")
        if clock.mode in ("closed", "fix_forward"):
            top.append(clock_line(clock) + "\n", style="bold red" if clock.mode == "fix_forward"
                       else "bold")
        if clock.mode != "closed":
            top.append("backout finishes " if clock.mode == "rollback" else "forecast ")
            top.append(f"{when(sched.forecast_finish, now)} ")
            if sched.window_end is None:
                top.append("· ")
            top.append_text(margin_text(sched))
        self.query_one("#cut-window", Static).update(top)

        running = Text()
        if not self.running:
            running.append("nothing is running", style="dim")
        for i, item_id in enumerate(self.running):
            spec, run = state.specs[item_id], state.items[item_id]
            elapsed = (now - run.started_at).total_seconds() if run.started_at else 0.0
            mark = "▸ " if i == self.cursor else "  "
            running.append(mark, style="bold")
            running.append(f"▶ {item_id} ", style="bold yellow")
            running.append(plain(spec.title))
            running.append(f"\n    running {dur(elapsed)}")
            if spec.estimate:
                over = elapsed - spec.estimate
                running.append(f" of {dur(spec.estimate)}")
                if over > 0:
                    running.append(f"  OVER by {dur(over)}", style="bold red")
                else:
                    running.append(f"  {dur(-over)} left", style="green")
            if spec.owner:
                running.append(f"  · {plain(spec.owner)}", style="cyan")
            running.append("\n")
        running.rstrip()
        self.query_one("#cut-running", Static).update(running)

        box = self.query_one("#cut-next", Static)
        if clock.mode == "rollback" and state.rollback is not None:
            box.border_title = PANE_TITLE
            box.border_subtitle = PANE_KEYS
            box.update(rollback_text(state.rollback, clock.backout, now))
        else:
            box.border_subtitle = ""
            self._draw_next(box)
        self._draw_gates(clock)

    def _draw_next(self, box: Static) -> None:
        assert self.view is not None
        state, sched = self.view.state, self.view.schedule
        nxt = Text()
        ready = [i for i in sched.ready if state.specs[i].phase == "execute"]
        if ready:
            box.border_title = "Next: ready in the execute phase"
        else:
            ready = list(sched.ready)
            box.border_title = "Nothing in execute is ready; ready elsewhere"
        if not ready:
            nxt.append("nothing is ready", style="dim")
        for item_id in ready[:12]:
            spec = state.specs[item_id]
            nxt.append("○ ", style="bold")
            nxt.append(f"{item_id} ", style="bold")
            nxt.append(plain(spec.title))
            if spec.estimate:
                nxt.append(f"  ~{dur(spec.estimate)}", style="dim")
            if spec.is_approval:
                nxt.append("  (approval: a)", style="dim")
            if spec.point_of_no_return:
                nxt.append("  POINT OF NO RETURN", style="bold red")
            nxt.append("\n")
        if len(ready) > 12:
            nxt.append(f"… and {len(ready) - 12} more", style="dim")
        nxt.rstrip()
        box.update(nxt)

    def _draw_gates(self, clock: CutoverClock) -> None:
        assert self.view is not None
        state, sched = self.view.state, self.view.schedule
        now = sched.now
        gates = Text()
        approvals = [s for s in state.specs.values() if s.is_approval and s.phase == "execute"]
        approvals = approvals or [s for s in state.specs.values() if s.is_approval]
        if not approvals:
            gates.append("no go/no-go items\n", style="dim")
        for spec in approvals[:4]:
            run = state.items[spec.id]
            if run.status is ItemStatus.DONE:
                gates.append("✔ GO     ", style="bold green")
            elif run.status is ItemStatus.FAILED:
                gates.append("✘ NO-GO  ", style="bold red")
            else:
                gates.append("◌ PENDING", style="bold yellow")
            gates.append(f" {spec.id}")
            said = {d.approver: d for d in run.decisions}
            parts = []
            for approver in spec.approvers:
                d = said.get(approver)
                parts.append(f"{approver}:" + ("-" if d is None else ("go" if d.go else "NO")))
            gates.append("  " + " ".join(parts) + "\n", style="dim")
        plan = state.rollback
        if clock.mode == "fix_forward" or (clock.mode == "closed" and clock.ponr_at is not None):
            gates.append(f"point of no return passed {hhmm_utc(clock.ponr_at)}: no backout, "
                         f"fix forward since {hhmm_utc(clock.ponr_at)}", style="bold red")
        elif plan is not None and plan.active:
            gates.append(f"ROLLBACK since {hhmm_utc(plan.started_at)} by {plain(plan.by)}: "
                         f"{plain(plan.reason)}", style="bold red")
        else:
            gates.append(f"backout {dur(sched.backout_total) if sched.backout else 'none'}")
            gates.append(f" ({len(sched.backout)} steps)")
            if sched.rollback_decide_by is not None and clock.mode != "closed":
                gates.append("  decide by ")
                gates.append(when(sched.rollback_decide_by, now),
                             style="bold red" if sched.rollback_decide_passed else "bold")
                if sched.rollback_decide_passed:
                    gates.append(" PASSED", style="bold red")
            gates.append("\n")
            if plan is not None and not plan.active:
                gates.append(f"rollback {plan.state} {hhmm_utc(plan.ended_at)} by {plain(plan.ended_by)}")
            else:
                gates.append("point of no return not passed: rollback possible")
        self.query_one("#cut-gates", Static).update(gates)

    # --- actions ---------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        self.cursor += 1
        self.redraw()

    def action_cursor_up(self) -> None:
        self.cursor = max(0, self.cursor - 1)
        self.redraw()

    def action_finish(self) -> None:
        if self.view is None:
            return
        if self.view.state.rollback_active():
            self._step("done")
            return
        running = self.running
        if not running:
            self.notify("nothing is running; s starts the next ready item", severity="warning")
            return
        item = running[min(self.cursor, len(running) - 1)]
        self.submit(MoveItem(item=item, action=ItemAction.DONE, **self.stamp()))

    def action_start_next(self) -> None:
        if self.view is None:
            return
        if self.view.state.rollback_active():
            self._step("start")
            return
        state, sched = self.view.state, self.view.schedule
        ready = [i for i in sched.ready if state.specs[i].phase == "execute"
                 and not state.specs[i].is_approval]
        if not ready:
            self.notify("nothing in the execute phase is ready to start", severity="warning")
            return
        self.submit(MoveItem(item=ready[0], action=ItemAction.START, **self.stamp()))

    def action_note(self) -> None:
        from updeck.tui.dashboard.screens.note import NoteDialog

        self.ask(NoteDialog(None),
                 lambda result: AddNote(text=result.text, item=result.item, **self.stamp()))

    def action_window(self) -> None:
        if self.view is None:
            return
        from updeck.tui.dashboard.screens.confirm import ConfirmDialog

        state = self.view.state
        is_open = state.opened_at is not None and state.closed_at is None
        command = CloseWindow if is_open else OpenWindow
        what = "close" if is_open else "open"
        self.ask(ConfirmDialog(
            f"Record that the cutover window is {what}ed now?",
            f"It goes in the status log with your name; now is {hhmm(self.now(), seconds=True)} UTC.",
            f"{what.capitalize()} the window?"), lambda yes: command(**self.stamp()) if yes else None)

    def action_plan_window(self) -> None:
        if self.live is None:
            return
        from updeck.tui.dashboard.screens.window_dialog import ask_plan_window

        ask_plan_window(self, self.live.state)

    def action_rollback(self) -> None:
        if self.view is None:
            return
        from updeck.tui.dashboard.screens.reason import ReasonDialog

        sched = self.view.schedule
        steps = len(sched.backout)
        # Refused anyway (after the point of no return, or already rolling back): say so at
        # once, before asking anything.
        verdict = decide(self.view.state, StartRollback(reason="?", **self.stamp()))
        if isinstance(verdict, Refusal):
            self.notify(verdict.reason, title="Refused", severity="error", markup=False)
            return
        self.ask(ReasonDialog(
            f"START THE ROLLBACK? {steps} backout steps, about "
            f"{dur(sched.backout_total) if steps else '0m'}",
            "Why? (required; everyone sees it in the log)"),
            lambda reason: StartRollback(reason=reason, **self.stamp()) if reason else None)

    # --- the rollback's steps ------------------------------------------------------------

    def _current_step(self) -> str | None:
        plan = self.view.state.rollback if self.view is not None else None
        if plan is None or not plan.active:
            self.notify("no rollback in progress; R starts one", severity="warning")
            return None
        clock = self.clock
        step = clock.backout.next_step if clock is not None and clock.backout is not None else None
        if step is None:
            self.notify("every backout step is closed: F finishes the rollback", severity="warning")
        return step

    def _step(self, action: str, note: str = "") -> None:
        step = self._current_step()
        if step is None:
            return
        app: Any = self.app
        app.submit(self.project_id, RollbackStepAction(item=step, action=action, note=note,
                                                       **app.stamp_command()))

    def _step_with_reason(self, action: str) -> None:
        from updeck.tui.dashboard.screens.reason import ReasonDialog

        step = self._current_step()
        if step is None:
            return

        def done(reason: str | None) -> None:
            if reason:
                self._step(action, reason)

        verb = "Fail" if action == "fail" else "Skip"
        self.app.push_screen(ReasonDialog(f"{verb} the backout step {step}?"), done)

    def action_step_fail(self) -> None:
        self._step_with_reason("fail")

    def action_step_skip(self) -> None:
        self._step_with_reason("skip")

    def action_rollback_finish(self) -> None:
        if self.view is None or not self.view.state.rollback_active():
            self.notify("no rollback in progress", severity="warning")
            return
        from updeck.tui.dashboard.screens.confirm import ConfirmDialog

        app: Any = self.app
        verdict = decide(self.view.state, FinishRollback(**app.stamp_command()))
        if isinstance(verdict, Refusal):
            self.notify(verdict.reason, title="Refused", severity="error", markup=False)
            return

        def done(yes: bool | None) -> None:
            if yes:
                app.submit(self.project_id, FinishRollback(**app.stamp_command()))

        app.push_screen(ConfirmDialog("Finish the rollback?",
                                      "Every backout step is done or skipped; it goes in the "
                                      "status log with your name.", "Finish it?"), done)

    def action_rollback_cancel(self) -> None:
        if self.view is None or not self.view.state.rollback_active():
            self.notify("no rollback in progress", severity="warning")
            return
        from updeck.tui.dashboard.screens.reason import ReasonDialog

        app: Any = self.app

        def done(reason: str | None) -> None:
            if reason:
                app.submit(self.project_id, CancelRollback(reason=reason, **app.stamp_command()))

        app.push_screen(ReasonDialog("CANCEL THE ROLLBACK and return to forward work?",
                                     "Why? (required; everyone sees it in the log)"), done)

    def action_back(self) -> None:
        self.app.pop_screen()
