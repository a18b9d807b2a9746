"""The timeline view (``t``): a text Gantt of the execute phase (or the current one), one
row per item in planned order: planned bar, actual bar, critical-path items marked ◆,
and the lines for now, decide-by, point of no return and window end. Scrolls; no colour
is needed to read it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static
from updeck.models.events import Event
from updeck.models.timeline import Timeline, build_timeline, timeline_phase
from updeck.tui.common.timeline_text import timeline_lines
from updeck.tui.dashboard.format import plain
from updeck.tui.dashboard.live import LiveProject
from updeck.tui.dashboard.view import project_view
from updeck.tui.dashboard.widgets.key_bar import KeyBar

TIMELINE_BINDINGS: list[BindingType] = [
    Binding("j,down", "scroll_down", "Down", show=False, id="timeline.down"),
    Binding("k,up", "scroll_up", "Up", show=False, id="timeline.up"),
    Binding("escape,t,q", "back", "Back", id="timeline.back"),
]

class TimelineScreen(Screen[None]):
    BINDINGS = TIMELINE_BINDINGS

    def __init__(self, project_id: str) -> None:
        super().__init__()
        self.project_id = project_id
        self.live: LiveProject | None = None
        self.timeline: Timeline | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="tl-title", markup=False)
        with VerticalScroll(id="tl-scroll"):
            yield Static("", id="tl-body", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_interval(5.0, self.tick)
        live = self.app.live.get(self.project_id)  # type: ignore[attr-defined]
        if live is not None:
            self.project_updated(live, [], first=True)
        else:
            self.app.load_project(self.project_id)  # type: ignore[attr-defined]

    def project_updated(self, live: LiveProject, fresh: list[Event], first: bool = False) -> None:
        self.live = live
        self.redraw()

    def project_failed(self, error: str) -> None:
        self.query_one("#tl-title", Static).update(Text("NOT CURRENT: " + error, style="bold"))

    def tick(self) -> None:
        if self.live is not None and getattr(self.app, "top_screen", None) is self:
            self.redraw()

    def on_resize(self) -> None:
        if self.live is not None:
            self.redraw()

    def redraw(self) -> None:
        assert self.live is not None
        view = project_view(self.live.state, self.app.now())  # type: ignore[attr-defined]
        state = view.state
        phase = timeline_phase(state, view.current_phase)
        self.timeline = build_timeline(state, view.schedule, phase)
        title = ("REHEARSAL " if state.project.rehearsal_of else "") + \
            f"Timeline: {plain(state.project.name)}"
        self.query_one("#tl-title", Static).update(Text(title, style="bold"))
        width = max(40, self.size.width - 2)
        self.query_one("#tl-body", Static).update(
            Text("\n".join(timeline_lines(self.timeline, width)), no_wrap=True))

    def action_scroll_down(self) -> None:
        self.query_one("#tl-scroll", VerticalScroll).scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self.query_one("#tl-scroll", VerticalScroll).scroll_up(animate=False)

    def action_back(self) -> None:
        self.app.pop_screen()
