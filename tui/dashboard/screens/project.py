"""The project screen: phase bar, checklist, item detail, phase panel, status log and
the header clock; its layout, drawing and navigation. The keys that change the project
are in updeck.tui.dashboard.screens.project_actions."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from updeck.models.events import Event
from updeck.models.phases import PHASES
from updeck.tui.dashboard.item_filter import ItemFilter
from updeck.tui.dashboard.keys import PROJECT_BINDINGS
from updeck.tui.dashboard.live import LiveProject
from updeck.tui.dashboard.screens.project_actions import ProjectActions
from updeck.tui.dashboard.view import ProjectView, project_view
from updeck.tui.dashboard.widgets._panel import PhasePanel
from updeck.tui.dashboard.widgets.audiences import AudiencesPanel
from updeck.tui.dashboard.widgets.budget import BudgetPanel
from updeck.tui.dashboard.widgets.checklist import Checklist
from updeck.tui.dashboard.widgets.header_clock import HeaderClock
from updeck.tui.dashboard.widgets.item_detail import ItemDetail
from updeck.tui.dashboard.widgets.key_bar import KeyBar
from updeck.tui.dashboard.widgets.metrics import MetricsPanel
from updeck.tui.dashboard.widgets.notice_bar import NoticeBar
from updeck.tui.dashboard.widgets.phase_bar import PhaseBar
from updeck.tui.dashboard.widgets.status_log import StatusLog
from updeck.tui.dashboard.widgets.traceability import TraceabilityPanel

CHANGING = {"move", "approve", "note", "lesson", "verify", "record_metric", "record_cost", "plan_window"}
NARROW = 110  # below this width the side pane collapses under the checklist


def running_times(view: ProjectView, now: datetime) -> dict[str, float]:
    """Seconds each running item has been running."""
    times: dict[str, float] = {}
    for item_id in view.schedule.running:
        started = view.state.items[item_id].started_at
        if started is not None:
            times[item_id] = (now - started).total_seconds()
    return times


class ProjectScreen(ProjectActions):
    BINDINGS = PROJECT_BINDINGS

    def __init__(self, project_id: str) -> None:
        super().__init__(project_id)
        self.view: ProjectView | None = None
        self.phase: str | None = None  # None until the first load picks the current phase
        self.show_detail = False  # narrow: the detail replaces the log under the checklist
        self.show_panel = True  # wide: the phase panel under the detail (p toggles)
        self._narrow_panel = False  # narrow: the phase panel instead of the detail
        self.filter = ItemFilter()

    # --- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # The layout for the terminal's size before the first styling, not after it.
        self._layout_classes(self.app.size.width, self.app.size.height, update=False)
        yield HeaderClock(id="clock")
        yield PhaseBar(id="phases")
        yield NoticeBar(id="notice")
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
        self.query_one(HeaderClock).read_only = self.read_only
        self.query_one("#checklist", Checklist).focus()
        self.query_one("#detail", ItemDetail).border_title = "Item"
        self.query_one("#log", StatusLog).border_title = "Status log"
        self.query_one("#checklist", Checklist).border_title = "Checklist"
        self._layout()
        self.set_interval(1.0, self.tick)
        self.show_or_load()

    def on_resize(self) -> None:
        self._layout()

    def _layout(self) -> None:
        self._layout_classes(self.size.width, self.size.height, update=True)
        self._place_panel()

    def _layout_classes(self, width: int, height: int, *, update: bool) -> None:
        """The layout's classes for a screen of this size; the styles are worked out once
        for all of them (each class change alone restyles the whole screen)."""
        wanted = {"-narrow": width < NARROW, "-show-detail": self.show_detail,
                  "-show-panel": self.show_panel, "-short": height < 30}
        changed = False
        for name, on in wanted.items():
            if self.has_class(name) != on:
                self.set_class(on, name, update=False)
                changed = True
        if changed and update:
            self.update_node_styles()

    def _place_panel(self) -> None:
        for panel in self.query(PhasePanel):
            panel.set_class(self.phase in panel.PHASES, "-relevant")

    # --- data ------------------------------------------------------------------------

    def project_updated(self, live: LiveProject, fresh: list[Event], first: bool = False) -> None:
        now = self.now()
        self.view = project_view(live.state, now)
        if self.phase is None:
            self.phase = self.view.current_phase
        if not self.query("#log"):  # not composed yet, or torn down as the app exits
            return
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

    def _redraw(self, now: datetime) -> None:
        view = self.view
        if view is None or self.phase is None:
            return
        self.query_one(HeaderClock).show(view.state, view.schedule, now)
        self.query_one(PhaseBar).show(view.phases, self.phase, view.current_phase)
        checklist = self.query_one("#checklist", Checklist)
        checklist.running_elapsed = running_times(view, now)
        checklist.show(view.state, self.phase, late=view.late)
        info = next(p for p in view.phases if p.id == self.phase)
        phase = PHASES[info.number - 1]
        checklist.border_title = f"{info.number} {phase.title}" if not self.filter.all_phases \
            else "All phases"
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

    def _update_panels(self, now: datetime) -> None:
        if self.view is None:
            return
        self._place_panel()
        for panel in self.query(PhasePanel):
            if panel.has_class("-relevant"):
                panel.show(self.view.state, self.view.schedule, now)

    def tick(self) -> None:
        """Once a second: the clock, the forecast, the running times."""
        self.query_one(NoticeBar).expire()
        if self.live is None or self.dashboard.top_screen is not self:
            return
        now = self.now()
        self.view = project_view(self.live.state, now)
        view = self.view
        self.query_one(HeaderClock).show(view.state, view.schedule, now)
        checklist = self.query_one("#checklist", Checklist)
        running = running_times(view, now)
        late_changed = set(view.late) != checklist.late
        if running or late_changed:
            checklist.show_times(running, set(view.late))
        if late_changed and self.phase:
            self.query_one(PhaseBar).show(view.phases, self.phase, view.current_phase)

    def on_checklist_highlighted(self, event: Checklist.Highlighted) -> None:
        self._update_detail()
        self.query_one(KeyBar).refresh()  # m shows only on a metric item

    def on_phase_bar_selected(self, event: PhaseBar.Selected) -> None:
        self._select_phase(event.phase)

    # --- actions ----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in CHANGING and self.read_only)

    def key_hidden(self, action: str) -> bool:
        """Keys that work but would only clutter the key bar right now."""
        if action == "record_metric":
            item = self.current_item
            return self.live is None or item is None or \
                self.live.state.specs[item].kind != "metric"
        if action == "approve":  # only on an approval item: the key bar has 80 columns
            item = self.current_item
            return self.live is None or item is None or \
                not self.live.state.specs[item].is_approval
        if action == "toggle_panel":
            return not self.has_panel
        return False

    def _select_phase(self, phase_id: str) -> None:
        self.phase = phase_id
        if self.view is not None:
            self._redraw(self.now())

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
        if not self.has_panel:
            from updeck.tui.dashboard.screens.panels import no_panel_text

            self.query_one(NoticeBar).alert(no_panel_text(self.phase))
            return
        if self.size.width < NARROW:
            # Narrow: the phase panel takes the place of the detail (and the log).
            self._narrow_panel = not self._narrow_panel
            self.show_detail = self._narrow_panel
            self.set_class(self._narrow_panel, "-narrow-panel")
        else:
            self.show_panel = not self.show_panel
        self._layout()
        self._update_panels(self.now())
        self._update_detail()

    def action_focus_log(self) -> None:
        log = self.query_one("#log", StatusLog)
        if log.has_focus:
            self.query_one("#checklist", Checklist).focus()
        else:
            log.focus()

    def action_focus_next(self) -> None:
        """tab: the next pane (checklist, detail, panel, log)."""
        self.focus_next()

    @property
    def has_panel(self) -> bool:
        return any(self.phase in panel.PHASES for panel in self.query(PhasePanel))

    def action_zoom(self) -> None:
        from updeck.tui.dashboard import zoom

        zoom.toggle(self)
        self._update_detail()

    def action_back(self) -> None:
        from updeck.tui.dashboard import zoom

        if zoom.unzoom(self):
            return
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

    def action_timeline(self) -> None:
        from updeck.tui.dashboard.screens.timeline import TimelineScreen

        self.app.push_screen(TimelineScreen(self.project_id))

    def _me(self) -> tuple[str, ...]:
        """What ``owner:me`` means: the operator, and the roles they hold in the team."""
        from updeck.models.authority import roles_held

        user = self.app.operator.user  # type: ignore[attr-defined]
        roles = roles_held(self.live.state, user) if self.live is not None else ()
        return (user, *roles)

    def action_mine(self) -> None:
        """My items across every phase (``* owner:me``); again to go back."""
        mine = "* owner:me"
        self._apply_filter("" if self.filter.source == mine else mine)

    def action_filter(self) -> None:
        from updeck.tui.dashboard.screens.filter import FilterDialog

        self.app.push_screen(FilterDialog(self.filter.source), self._apply_filter)

    def _apply_filter(self, query: str | None) -> None:
        if query is None:
            return
        self.filter = ItemFilter.parse(query, me=self._me())
        checklist = self.query_one("#checklist", Checklist)
        checklist.set_filter(self.filter)
        self._update_filter_bar()
        if self.view is not None:
            self._redraw(self.now())  # the title says "All phases"
        self.poll_soon()
