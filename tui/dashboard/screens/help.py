"""Help (``?``, F1): every key of the screen underneath, and what states and marks mean."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static
from updeck.models.state import STATUS_SYMBOL, STATUS_WORD, ItemStatus
from updeck.tui.dashboard.keys import ACTION_HELP
from updeck.tui.dashboard.view import GATE_SYMBOL, GATE_WORD
from updeck.tui.dashboard.widgets.key_bar import KeyBar

STATE_MEANING = {
    ItemStatus.TODO: "not started",
    ItemStatus.IN_PROGRESS: "started, not finished (approval: waiting for every go)",
    ItemStatus.DONE: "finished (approval: every approver said go)",
    ItemStatus.FAILED: "failed, or a no-go; holds its phase gate",
    ItemStatus.SKIPPED: "skipped with a reason; counts as closed",
    ItemStatus.BLOCKED: "blocked with a reason; u unblocks",
}
MARKS = [
    ("LATE", "past its due time, or running longer than its estimate"),
    ("NOGO", "an approver said no-go: everything after it is held"),
    ("PONR", "point of no return: once started, no rollback; starting it asks for its id typed"),
    ("fix forward since HH:MM", "the point of no return was passed then: no backout any more"),
    ("ROLLBACK", "a rollback is in progress: forward work is frozen; the rollback pane has "
                 "its steps (s d f x), F finishes, C cancels"),
    ("CLOSED", "the window is closed: the clock stopped; outcome and time taken against the plan"),
    ("⧗ / blocked by a, b", "waiting for dependencies that are not done or skipped yet"),
    ("~30m / 40m / 12m…", "estimate / actual time taken / running for"),
    ("▸", "the selected item or phase;  • the current phase"),
    ("✔ ON TIME / ▲ TIGHT / ✘ LATE", "forecast finish against the window end (margin)"),
    ("decide by HH:MM", "the latest moment to start a rollback and still finish in the window"),
    ("T-2h / T+15m", "time before / after the window start (T)"),
]


def _key(key: str) -> str:
    names = {"question_mark": "?", "slash": "/", "escape": "esc", "enter": "enter",
             "down": "↓", "up": "↑", "ctrl+p": "ctrl+p", "ctrl+c": "ctrl+c",
             "dollar_sign": "$", "W": "W (shift+w)"}
    return ",".join(names.get(k, k) for k in key.split(","))


class HelpScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "close", "Close", id="help.close"),
        Binding("j,down", "scroll('down')", "Down", show=False, id="help.down"),
        Binding("k,up", "scroll('up')", "Up", show=False, id="help.up"),
        Binding("pagedown,space", "scroll('page_down')", "Page down", show=False),
        Binding("pageup", "scroll('page_up')", "Page up", show=False),
        Binding("home,g", "scroll('home')", "Top", show=False),
        Binding("end,G", "scroll('end')", "Bottom", show=False),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(self.help_text(), markup=False)
        yield KeyBar()

    def help_text(self) -> Group:
        parts: list[Text | Table] = []
        name = type(self.under).__name__.replace("Screen", "").lower()
        read_only = getattr(self.app, "read_only", False)

        def table() -> Table:
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold", no_wrap=True, min_width=10)
            grid.add_column(overflow="fold")
            return grid

        live = getattr(self.under, "live", None)
        state = getattr(live, "state", None)
        operator = getattr(self.app, "operator", None)
        if state is not None and operator is not None:
            from updeck.tui.dashboard.widgets.team_panel import identity_line

            parts.append(identity_line(state, operator))
        parts.append(Text(f"Keys on the {name} screen", style="bold underline"))
        keys = table()
        bindings = list(getattr(self.under, "BINDINGS", []))
        if any(b.action.startswith("phase(") for b in bindings):
            keys.add_row("1-7", "select a phase")
        for b in bindings:
            if b.action.startswith("phase(") or b.action == "focus_next":
                continue
            if read_only and self.under.check_action(b.action.split("(")[0], ()) is False:
                continue
            keys.add_row(_key(b.key), ACTION_HELP.get(b.action, b.description))
        keys.add_row("j/k, ↑/↓", "move;  tab: next pane;  PgUp/PgDn, Home/End (g/G): page, "
                     "first, last")
        keys.add_row("ctrl+p", "command palette: every action, searchable")
        keys.add_row("?, F1", "this help;  esc closes it")
        parts.append(keys)
        if read_only:
            parts.append(Text("Read-only: actions that change the project are hidden.",
                              style="bold yellow"))
        parts.append(Text("\nItem states (symbol and word, never colour alone)",
                          style="bold underline"))
        states = table()
        for status in ItemStatus:
            states.add_row(f"{STATUS_SYMBOL[status]} {STATUS_WORD[status]}", STATE_MEANING[status])
        parts.append(states)
        parts.append(Text("\nPhase gates (phase bar)", style="bold underline"))
        gates = table()
        for key, word in GATE_WORD.items():
            gates.add_row(GATE_SYMBOL[key], word)
        parts.append(gates)
        parts.append(Text("\nMarks", style="bold underline"))
        marks = table()
        for mark, meaning in MARKS:
            marks.add_row(mark, meaning)
        parts.append(marks)
        parts.append(Text("\nStatus log: l focuses it; / searches it (words, by:NAME, item:ID, "
                          "kind:moves|approvals|notes|verify|window); t cycles the kind filter, "
                          "o the operator filter, End follows new entries, z zooms it. Other "
                          "operators' changes appear within a second: counted in the notice "
                          "bar under the header (\"3 changes by priya, last: …\") and their "
                          "names marked in the log."))
        parts.append(Text("\nCutover view (c): s starts the next ready item, d marks the "
                          "running one done, w records that the window opened (or closed), "
                          "W plans it, R starts the rollback (asks why), n adds a note."))
        if state is not None and operator is not None:
            from updeck.tui.dashboard.widgets.team_panel import team_renderables

            parts.extend(team_renderables(state, operator))
        return Group(*parts)

    def on_mount(self) -> None:
        self.query_one("#help-body", VerticalScroll).focus()

    def action_scroll(self, where: str) -> None:
        """Scroll the help without Tab first: j/k, arrows, PageUp/PageDown, Home/End."""
        body = self.query_one("#help-body", VerticalScroll)
        {"down": lambda: body.scroll_down(animate=False),
         "up": lambda: body.scroll_up(animate=False),
         "page_down": lambda: body.scroll_page_down(animate=False),
         "page_up": lambda: body.scroll_page_up(animate=False),
         "home": lambda: body.scroll_home(animate=False),
         "end": lambda: body.scroll_end(animate=False)}[where]()

    def action_close(self) -> None:
        self.app.pop_screen()
