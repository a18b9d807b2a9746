"""Home: the projects in the data folder, with template, phase, progress, window and a
warning mark; damaged projects with their error. ``n`` creates a project."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static
from updeck.models.phases import PHASE_BY_ID
from updeck.models.runs import group_runs
from updeck.models.state import ProjectState
from updeck.storage.errors import DamagedProject
from updeck.tui.dashboard.format import day_hhmm, plain, t_offset
from updeck.tui.dashboard.keys import HOME_BINDINGS
from updeck.tui.dashboard.screens.base import DashboardScreen
from updeck.tui.dashboard.view import project_view
from updeck.tui.dashboard.widgets.key_bar import KeyBar

COLUMNS = ("Project", "Warning", "Phase", "Progress", "Window", "Template")


def progress_bar(fraction: float, width: int = 10) -> str:
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled)


class HomeScreen(DashboardScreen):
    BINDINGS = HOME_BINDINGS

    def __init__(self, *, deferred: bool = False) -> None:
        super().__init__()
        self.rows: list[str] = []  # project ids in table order ("" for damaged rows)
        self._signature: tuple[object, ...] = ()
        self.states: list[ProjectState] = []
        # Deferred (under the project the dashboard opens on): built when first shown, so
        # that project's first screen does not wait for a table nobody sees yet.
        self.built = not deferred

    def compose(self) -> ComposeResult:
        if self.built:
            yield from self._widgets()

    def _widgets(self) -> ComposeResult:
        yield Static("updeck · projects", id="home-title")
        table: DataTable[Text] = DataTable(id="projects", cursor_type="row", zebra_stripes=False)
        yield table
        yield Static("", id="home-empty", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        if self.built:
            self._ready()

    async def on_screen_resume(self) -> None:
        if self.built or not self.is_active:
            return
        self.built = True
        await self.mount_all(list(self._widgets()))
        self._ready()

    def _ready(self) -> None:
        table = self.query_one("#projects", DataTable)
        table.add_columns(*COLUMNS)
        table.focus()
        empty = self.query_one("#home-empty", Static)
        empty.update("reading the data folder…")
        app = self.dashboard
        if app.projects or app.damaged:
            self.show_projects(app.projects, app.damaged)
        self.poll_soon()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "new_project" and self.read_only)

    def palette_projects(self) -> list[ProjectState]:
        return list(self.states)

    def show_projects(self, states: Sequence[ProjectState],
                      damaged: Sequence[DamagedProject]) -> None:
        if not self.built:
            self.states = list(states)
            return
        now: datetime = self.now()
        signature = (tuple((s.id, s.seq) for s in states),
                     tuple(str(d) for d in damaged), now.replace(second=0, microsecond=0))
        if signature == self._signature:
            return
        self._signature = signature
        self.states = list(states)
        table = self.query_one("#projects", DataTable)
        keep = self.rows[table.cursor_row] if self.rows and 0 <= table.cursor_row < len(self.rows) else None
        cells: list[tuple[Text, ...]] = []
        self.rows = []
        for state in group_runs(sorted(states, key=lambda s: s.project.name.lower())):
            view = project_view(state, now)
            sched = view.schedule
            phase = PHASE_BY_ID[view.current_phase]
            window = Text(no_wrap=True)
            if sched.window_start is None:
                window.append("not planned", style="dim")
            elif state.opened_at is not None and state.closed_at is None:
                window.append(f"RUNNING {t_offset(now, sched.window_start)}", style="bold")
            elif state.closed_at is not None:
                window.append(f"closed {day_hhmm(state.closed_at)}", style="dim")
            else:
                window.append(f"{day_hhmm(sched.window_start)} {t_offset(now, sched.window_start)}")
            marks = []
            if view.has_nogo:
                marks.append("✘ NO-GO")
            if sched.late:
                marks.append(f"▲ {len(sched.late)} LATE")
            if state.rollback_active():
                marks.append("ROLLBACK")
            elif state.rollback is not None and state.rollback.state == "finished":
                marks.append("ROLLED BACK")
            note = Text(" ".join(marks), style="bold red") if marks else Text("")
            cells.append((
                Text(("  REHEARSAL " if state.project.rehearsal_of else "")
                     + plain(state.project.name)),
                note,
                Text(f"{phase.number} {phase.id}"),
                Text(f"{progress_bar(view.fraction)} {view.fraction:4.0%}"),
                window,
                Text(plain(state.project.template_id)),
            ))
            self.rows.append(state.id)
        for problem in damaged:
            pid = problem.project_id or "?"
            reason = plain(problem.reason)
            cells.append((Text(plain(pid)), Text("✘ DAMAGED", style="bold red"),
                          Text(reason[:60], style="red"), Text("-"), Text("-"), Text("-")))
            self.rows.append("")
        fill_table(table, cells)
        if keep in self.rows:
            table.move_cursor(row=self.rows.index(keep))
        empty = self.query_one("#home-empty", Static)
        if not self.rows:
            empty.update("No projects yet. Press n to create one from a template "
                         "(or run `updeck demo`).")
            empty.display = True
        else:
            empty.display = False

    def column_widths(self) -> list[int]:
        """The width each column is drawn with now (without padding)."""
        table = self.query_one("#projects", DataTable)
        return [column.width for column in table.ordered_columns]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_project()

    def action_open_project(self) -> None:
        table = self.query_one("#projects", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return
        project_id = self.rows[table.cursor_row]
        if not project_id:
            self.notify("this project is damaged: its file was left untouched; "
                        "see `updeck check-log`", severity="error")
            return
        self.open_project(project_id)

    def open_project(self, project_id: str) -> None:
        from updeck.tui.dashboard.screens.project import ProjectScreen

        self.app.push_screen(ProjectScreen(project_id))

    def action_cursor_down(self) -> None:
        self.query_one("#projects", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#projects", DataTable).action_cursor_up()

    def action_reload(self) -> None:
        self._signature = ()
        self.poll_soon()

    def action_new_project(self) -> None:
        from updeck.tui.dashboard.screens.new_project import NewProjectScreen

        def created(project_id: str | None) -> None:
            self.action_reload()
            if project_id:
                self.open_project(project_id)

        self.app.push_screen(NewProjectScreen(), created)

    def action_quit_app(self) -> None:
        self.app.exit(return_code=0)


def fill_table(table: DataTable[Text], rows: list[tuple[Text, ...]]) -> None:
    """Replace the table's rows, with each column exactly as wide as its widest cell.

    DataTable measures new rows only when it next idles, and never narrows a column: until
    then new rows are drawn in the old widths (a name cut to the header's width), and a long
    name once shown kept its column wide for ever. Fixed widths, set with the rows, show
    the data as it is at once."""
    widths = [max([len(label), *(row[i].cell_len for row in rows)])
              for i, label in enumerate(COLUMNS)]
    table.clear(columns=True)
    for label, width in zip(COLUMNS, widths, strict=True):
        table.add_column(label, width=width)
    for row in rows:
        table.add_row(*row)
