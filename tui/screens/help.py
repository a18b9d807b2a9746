"""Help (``?``, F1): every key of the screen underneath, and what states and marks mean."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from models.state import STATUS_SYMBOL, STATUS_WORD, ItemStatus
from tui.keys import ACTION_HELP
from tui.view import GATE_SYMBOL, GATE_WORD

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
    ("PONR", "point of no return: once done, rollback is no longer possible"),
    ("⧗ / blocked by a, b", "waiting for dependencies that are not done or skipped yet"),
    ("~30m / 40m / 12m…", "estimate / actual time taken / running for"),
    ("▸", "the selected item or phase;  • the current phase"),
    ("✔ ON TIME / ▲ TIGHT / ✘ LATE", "forecast finish against the window end (margin)"),
    ("decide by HH:MM", "the latest moment to start a rollback and still finish in the window"),
    ("T-2h / T+15m", "time before / after the window start (T)"),
]


def _key(key: str) -> str:
    names = {"question_mark": "?", "slash": "/", "escape": "esc", "enter": "enter",
             "down": "↓", "up": "↑", "ctrl+p": "ctrl+p", "ctrl+c": "ctrl+c"}
    return ",".join(names.get(k, k) for k in key.split(","))


class HelpScreen(Screen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", id="help.close")]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(self.help_text(), markup=False)
        yield Footer()

    def help_text(self) -> Text:
        out = Text()
        name = type(self.under).__name__.replace("Screen", "")
        out.append(f"Keys on the {name.lower()} screen\n", style="bold underline")
        bindings = list(getattr(self.under, "BINDINGS", []))
        phase_keys = [b for b in bindings if b.action.startswith("phase(")]
        if phase_keys:
            out.append(f"  {'1-7':<12}", style="bold")
            out.append("select a phase\n")
        read_only = getattr(self.app, "read_only", False)
        for b in bindings:
            if b.action.startswith("phase(") or b.action == "focus_next":
                continue
            if read_only and self.under.check_action(b.action.split("(")[0], ()) is False:
                continue
            out.append(f"  {_key(b.key):<12}", style="bold")
            out.append(ACTION_HELP.get(b.action, b.description) + "\n")
        out.append(f"  {'j/k, ↑/↓':<12}", style="bold")
        out.append("move;  tab: next pane\n")
        out.append(f"  {'ctrl+p':<12}", style="bold")
        out.append("command palette: every action, searchable\n")
        out.append(f"  {'?, F1':<12}", style="bold")
        out.append("this help;  esc closes it\n")
        if read_only:
            out.append("\nRead-only: actions that change the project are hidden.\n",
                       style="bold yellow")
        out.append("\nItem states (symbol and word, never colour alone)\n", style="bold underline")
        for status in ItemStatus:
            out.append(f"  {STATUS_SYMBOL[status]} {STATUS_WORD[status]:<9}", style="bold")
            out.append(STATE_MEANING[status] + "\n")
        out.append("\nPhase gates (phase bar)\n", style="bold underline")
        for key, word in GATE_WORD.items():
            out.append(f"  {GATE_SYMBOL[key]}  ", style="bold")
            out.append(word + "\n")
        out.append("\nMarks\n", style="bold underline")
        for mark, meaning in MARKS:
            out.append(f"  {mark:<30}", style="bold")
            out.append(meaning + "\n")
        out.append("\nStatus log: l focuses it; t cycles the kind filter, o the operator "
                   "filter, End follows new entries.\n")
        return out

    def action_close(self) -> None:
        self.app.pop_screen()
