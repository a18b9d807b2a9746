"""The project screen: phase bar, checklist, item detail, phase panel, status log and
the header clock. Every change goes through the engine (via the app's write worker);
the screen shows it when it is on disk."""

from __future__ import annotations

import socket
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static
from updeck.models.commands import AddNote, DecideApproval, ItemAction, MoveItem, RecordCost, RecordMetric
from updeck.models.events import Event
from updeck.models.phases import PHASES
from updeck.models.rollups import metric_not_met
from updeck.tui.dashboard.keys import PROJECT_BINDINGS
from updeck.tui.dashboard.live import LiveProject
from updeck.tui.dashboard.view import ProjectView, project_view
from updeck.tui.dashboard.widgets._panel import PhasePanel
from updeck.tui.dashboard.widgets.audiences import AudiencesPanel
from updeck.tui.dashboard.widgets.budget import BudgetPanel
from updeck.tui.dashboard.widgets.checklist import Checklist, ItemFilter
from updeck.tui.dashboard.widgets.header_clock import HeaderClock
from updeck.tui.dashboard.widgets.item_detail import ItemDetail
from updeck.tui.dashboard.widgets.key_bar import KeyBar
from updeck.tui.dashboard.widgets.metrics import MetricsPanel
from updeck.tui.dashboard.widgets.phase_bar import PhaseBar
from updeck.tui.dashboard.widgets.status_log import StatusLog
from updeck.tui.dashboard.widgets.traceability import TraceabilityPanel

CHANGING = {"move", "approve", "note", "verify", "record_metric", "record_cost", "plan_window"}
NARROW = 110  # below this width the side pane collapses under the checklist
REASON_ACTIONS = {"fail", "skip", "block", "reopen"}
VERB = {"start": "Start", "done": "Done", "fail": "Fail", "skip": "Skip", "block": "Block",
        "unblock": "Unblock", "reopen": "Reopen"}


class ProjectScreen(Screen[None]):
    BINDINGS = PROJECT_BINDINGS

    def __init__(self, project_id: str) -> None:
        super().__init__()
        self.project_id = project_id
        self.live: LiveProject | None = None
        self.view: ProjectView | None = None
        self.phase: str | None = None  # None until the first load picks the current phase
        self.show_detail = False  # narrow: the detail replaces the log under the checklist
        self.show_panel = True  # wide: the phase panel under the detail (p toggles)
        self._narrow_panel = False  # narrow: the phase panel instead of the detail
        self.filter = ItemFilter()

    # --- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderClock(id="clock")
        yield PhaseBar(id="phases")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Static("", id="filter-bar", markup=False)
                yield Checklist(id="checklist")
            with Vertical(id="side"):
                yield ItemDetail(id="detail")
                yield TraceabilityPanel(id="panel-traceability")
                yield BudgetPanel(id="panel-budget")
                yield AudiencesPanel(id="panel-audiences")
                yield MetricsPanel(id="panel-metrics")
        yield StatusLog(id="log")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(HeaderClock).read_only = self.app.read_only  # type: ignore[attr-defined]
        self.query_one("#checklist", Checklist).focus()
        self.query_one("#detail", ItemDetail).border_title = "Item"
        self.query_one("#log", StatusLog).border_title = "Status log"
        self.query_one("#checklist", Checklist).border_title = "Checklist"
        self._layout()
        self.set_interval(1.0, self.tick)
        live = self.app.live.get(self.project_id)  # type: ignore[attr-defined]
        if live is not None:
            self.project_updated(live, [], first=True)
        else:
            self.app.load_project(self.project_id)  # type: ignore[attr-defined]

    def on_resize(self) -> None:
        self._layout()

    def _layout(self) -> None:
        narrow = self.size.width < NARROW
        self.set_class(narrow, "-narrow")
        self.set_class(self.show_detail, "-show-detail")
        self.set_class(self.show_panel, "-show-panel")
        self.set_class(self.size.height < 30, "-short")
        self._place_panel()

    def _place_panel(self) -> None:
        for panel in self.query(PhasePanel):
            panel.set_class(self.phase in panel.PHASES, "-relevant")

    # --- data ------------------------------------------------------------------------

    def project_updated(self, live: LiveProject, fresh: list[Event], first: bool = False) -> None:
        self.live = live
        now = self.app.now()  # type: ignore[attr-defined]
        self.view = project_view(live.state, now)
        if self.phase is None:
            self.phase = self.view.current_phase
        log = self.query_one("#log", StatusLog)
        if first:
            log.load(live.events, loading=not live.complete)
        else:
            log.add(fresh)
        self.query_one(HeaderClock).stale = ""
        self._redraw(now)

    def project_failed(self, error: str) -> None:
        clock = self.query_one(HeaderClock)
        clock.stale = "NOT CURRENT: " + error[:60]
        clock.refresh()
        if self.live is None:
            self.query_one("#filter-bar", Static).update(f"cannot open {self.project_id}: {error}")
            self.query_one("#filter-bar", Static).display = True

    def _redraw(self, now: Any) -> None:
        view = self.view
        if view is None or self.phase is None:
            return
        self.query_one(HeaderClock).show(view.state, view.schedule, now)
        self.query_one(PhaseBar).show(view.phases, self.phase, view.current_phase)
        checklist = self.query_one("#checklist", Checklist)
        checklist.running_elapsed = {
            i: (now - view.state.items[i].started_at).total_seconds()
            for i in view.schedule.running if view.state.items[i].started_at is not None}
        checklist.show(view.state, self.phase, late=view.late)
        info = next(p for p in view.phases if p.id == self.phase)
        phase = PHASES[info.number - 1]
        checklist.border_title = f"{info.number} {phase.title}"
        gate_word = {"passed": "gate passed", "open": f"gate held by {len(info.holding)}",
                     "failed": "gate held: failed item", "nogo": "gate held: NO-GO",
                     "empty": "no items"}[info.gate]
        checklist.border_subtitle = f"{info.done}/{info.total} done · {gate_word}"
        self._update_filter_bar()
        self._update_detail()
        self._update_panels(now)
        self.query_one(KeyBar).refresh()  # m shows only on a metric item

    def _update_filter_bar(self) -> None:
        bar = self.query_one("#filter-bar", Static)
        checklist = self.query_one("#checklist", Checklist)
        if self.filter.active:
            bar.update(f"filter: {self.filter.source}  ({len(checklist.rows)} shown; "
                       "/ to change, esc to clear)")
            bar.display = True
        else:
            bar.display = False

    def _update_detail(self) -> None:
        if self.live is None:
            return
        detail = self.query_one("#detail", ItemDetail)
        if not detail.display and self.size.width < NARROW and not self.show_detail:
            return
        item = self.query_one("#checklist", Checklist).current
        history = self.live.history(item) if item else []
        detail.show(self.live.state, item, history, self.view.schedule if self.view else None)
        detail.border_title = f"Item {item}" if item else "Item"

    def _update_panels(self, now: Any) -> None:
        if self.view is None:
            return
        self._place_panel()
        for panel in self.query(PhasePanel):
            if panel.has_class("-relevant"):
                panel.show(self.view.state, self.view.schedule, now)

    def tick(self) -> None:
        """Once a second: the clock, the forecast, the running times."""
        if self.live is None or getattr(self.app, "top_screen", None) is not self:
            return
        now = self.app.now()
        self.view = project_view(self.live.state, now)
        view = self.view
        self.query_one(HeaderClock).show(view.state, view.schedule, now)
        checklist = self.query_one("#checklist", Checklist)
        running = {i: (now - view.state.items[i].started_at).total_seconds()
                   for i in view.schedule.running if view.state.items[i].started_at is not None}
        late_changed = set(view.late) != checklist.late
        if running or late_changed:
            checklist.running_elapsed = running
            checklist.late = set(view.late)
            checklist._cache.clear()
            checklist.refresh()
        if late_changed and self.phase:
            self.query_one(PhaseBar).show(view.phases, self.phase, view.current_phase)

    def on_checklist_highlighted(self, event: Checklist.Highlighted) -> None:
        self._update_detail()
        self.query_one(KeyBar).refresh()  # m shows only on a metric item

    def on_phase_bar_selected(self, event: PhaseBar.Selected) -> None:
        self._select_phase(event.phase)

    # --- actions ----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in CHANGING and self.app.read_only)  # type: ignore[attr-defined]

    def key_hidden(self, action: str) -> bool:
        """Keys that work but would only clutter the key bar right now."""
        if action == "record_metric":
            item = self.current_item
            return self.live is None or item is None or \
                self.live.state.specs[item].kind != "metric"
        return False

    @property
    def current_item(self) -> str | None:
        return self.query_one("#checklist", Checklist).current

    def _select_phase(self, phase_id: str) -> None:
        self.phase = phase_id
        if self.view is not None:
            self._redraw(self.app.now())  # type: ignore[attr-defined]

    def action_phase(self, number: int) -> None:
        self._select_phase(PHASES[number - 1].id)

    def action_detail(self) -> None:
        if self.size.width < NARROW:
            self.show_detail = not self.show_detail or self._narrow_panel
            self._narrow_panel = False
            self.set_class(False, "-narrow-panel")
            self._layout()
            self._update_detail()
            return
        detail = self.query_one("#detail", ItemDetail)
        if detail.has_focus:
            self.query_one("#checklist", Checklist).focus()
        else:
            detail.focus()

    def action_toggle_panel(self) -> None:
        if self.size.width < NARROW:
            # Narrow: the phase panel takes the place of the detail (and the log).
            self._narrow_panel = not self._narrow_panel
            self.show_detail = self._narrow_panel
            self.set_class(self._narrow_panel, "-narrow-panel")
        else:
            self.show_panel = not self.show_panel
        self._layout()
        self._update_panels(self.app.now())  # type: ignore[attr-defined]
        self._update_detail()

    def action_focus_log(self) -> None:
        log = self.query_one("#log", StatusLog)
        if log.has_focus:
            self.query_one("#checklist", Checklist).focus()
        else:
            log.focus()

    def action_back(self) -> None:
        if self.show_detail:
            self.show_detail = False
            self._narrow_panel = False
            self.set_class(False, "-narrow-panel")
            self._layout()
            return
        if not self.query_one("#checklist", Checklist).has_focus:
            self.query_one("#checklist", Checklist).focus()
            return
        if self.filter.active:
            self._apply_filter("")
            return
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_leave(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_cutover(self) -> None:
        from updeck.tui.dashboard.screens.cutover import CutoverScreen

        self.app.push_screen(CutoverScreen(self.project_id))

    def action_filter(self) -> None:
        from updeck.tui.dashboard.screens.filter import FilterDialog

        self.app.push_screen(FilterDialog(self.filter.source), self._apply_filter)

    def _apply_filter(self, query: str | None) -> None:
        if query is None:
            return
        self.filter = ItemFilter.parse(query)
        checklist = self.query_one("#checklist", Checklist)
        checklist.set_filter(self.filter)
        self._update_filter_bar()
        self.app.poller.poll_now()  # type: ignore[attr-defined]

    def _item_or_say(self) -> str | None:
        item = self.current_item
        if item is None:
            self.notify("no item selected", severity="warning")
        return item

    def action_move(self, action: str) -> None:
        item = self._item_or_say()
        if item is None or self.live is None:
            return
        state = self.live.state
        off_target = (metric_not_met(state.specs[item], state.items[item])
                      if action == "done" and state.specs[item].kind == "metric" else None)
        if action in REASON_ACTIONS or off_target:
            from updeck.tui.dashboard.screens.reason import ReasonDialog

            title = f"{VERB[action]} {item}: {state.specs[item].title}"
            if off_target:  # the rules want a reason to close a metric that is not on target
                title = f"{VERB[action]} {item} anyway? {off_target.split(';')[0].split(': ', 1)[-1]}"

            def done(reason: str | None) -> None:
                if reason:
                    self._submit_move(item, action, reason)  # brings the fresh state
                else:
                    self.app.poller.poll_now()  # type: ignore[attr-defined]

            self.app.push_screen(ReasonDialog(title), done)
            return
        self._submit_move(item, action, "")

    def _submit_move(self, item: str, action: str, reason: str) -> None:
        app: Any = self.app
        app.submit(self.project_id, MoveItem(item=item, action=ItemAction(action), reason=reason,
                                             **app.stamp_command()))

    def action_approve(self) -> None:
        item = self._item_or_say()
        if item is None or self.live is None:
            return
        spec = self.live.state.specs[item]
        if not spec.is_approval:
            self.notify(f"{item} is not an approval item (kind: {spec.kind}); "
                        "go to a go/no-go item", severity="warning", markup=False)
            return
        from updeck.tui.dashboard.screens.approve import ApprovalResult, ApproveDialog

        app: Any = self.app

        def done(result: ApprovalResult | None) -> None:
            if result is not None:
                app.submit(self.project_id, DecideApproval(
                    item=item, go=result.go, approver=result.approver, note=result.note,
                    change=result.change, **app.stamp_command()))
            else:
                app.poller.poll_now()

        app.push_screen(ApproveDialog(self.live.state, item, app.operator), done)

    def action_note(self) -> None:
        from updeck.tui.dashboard.screens.note import NoteDialog, NoteResult

        app: Any = self.app

        def done(result: NoteResult | None) -> None:
            if result is not None:
                app.submit(self.project_id, AddNote(text=result.text, item=result.item,
                                                    **app.stamp_command()))
            else:
                app.poller.poll_now()

        app.push_screen(NoteDialog(self.current_item), done)

    def action_verify(self) -> None:
        item = self._item_or_say()
        if item is None or self.live is None:
            return
        command = self.live.state.specs[item].verify.strip()
        if not command:
            self.notify(f"{item} has no verify command", severity="warning", markup=False)
            return
        from updeck.tui.dashboard.screens.confirm import VerifyDialog

        app: Any = self.app

        def done(yes: bool | None) -> None:
            if yes:
                app.run_verification(self.project_id, item, command)
            else:
                app.poller.poll_now()

        app.push_screen(VerifyDialog(item, command, socket.gethostname(), app.verify_timeout),
                        done)

    def action_record_metric(self) -> None:
        item = self._item_or_say()
        if item is None or self.live is None:
            return
        state = self.live.state
        spec = state.specs[item]
        if spec.kind != "metric":
            metrics = [s.id for s in state.specs.values() if s.kind == "metric"]
            where = (f"metric items: {', '.join(metrics[:4])}"
                     + (" …" if len(metrics) > 4 else "") + " (phase 7)") if metrics \
                else "this project has no metric items"
            self.notify(f"{item} is not a metric item (kind: {spec.kind}); {where}",
                        severity="warning", markup=False)
            return
        from updeck.tui.dashboard.screens.records import MetricDialog, MetricResult

        app: Any = self.app

        def done(result: MetricResult | None) -> None:
            if result is not None:
                app.submit(self.project_id, RecordMetric(item=item, value=result.value,
                                                         note=result.note,
                                                         **app.stamp_command()))
            else:
                app.poller.poll_now()

        app.push_screen(MetricDialog(state, item), done)

    def action_record_cost(self) -> None:
        item = self._item_or_say()
        if item is None or self.live is None:
            return
        from updeck.tui.dashboard.screens.records import CostDialog, CostResult

        app: Any = self.app

        def done(result: CostResult | None) -> None:
            if result is not None:
                app.submit(self.project_id, RecordCost(item=item, amount=result.amount,
                                                       note=result.note,
                                                       **app.stamp_command()))
            else:
                app.poller.poll_now()

        app.push_screen(CostDialog(self.live.state, item), done)

    def action_plan_window(self) -> None:
        if self.live is None:
            return
        from updeck.tui.dashboard.screens.records import ask_plan_window

        ask_plan_window(self, self.project_id, self.live.state)
