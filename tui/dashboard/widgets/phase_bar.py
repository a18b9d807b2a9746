"""The seven phases in a row: number, short name, gate mark, progress bar and count.
The selected phase is marked with ▸ and reverse video (visible without colour)."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget
from updeck.tui.dashboard.view import GATE_SYMBOL, PhaseInfo

GATE_STYLE = {"passed": "green", "open": "yellow", "failed": "bold red", "nogo": "bold red",
              "empty": "dim"}


class PhaseBar(Widget):
    DEFAULT_CSS = """
    PhaseBar { height: 2; }
    """

    class Selected(Message):
        def __init__(self, phase: str) -> None:
            super().__init__()
            self.phase = phase

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.phases: list[PhaseInfo] = []
        self.selected = "assess"
        self.current = ""

    def show(self, phases: list[PhaseInfo], selected: str, current: str) -> None:
        self.phases, self.selected, self.current = phases, selected, current
        self.refresh()

    def _cell_width(self) -> int:
        return max(10, self.size.width // 7) if self.size.width else 11

    def render(self) -> Text:
        if not self.phases:
            return Text("")
        width = self._cell_width()
        top = Text(no_wrap=True, overflow="crop")
        bottom = Text(no_wrap=True, overflow="crop")
        for info in self.phases:
            sel = info.id == self.selected
            mark = "▸" if sel else ("•" if info.id == self.current else " ")
            gate = GATE_SYMBOL[info.gate]
            name = info.short[: width - 4]
            head = f"{mark}{info.number} {name}"
            style = "bold reverse" if sel else ("bold" if info.id == self.current else "")
            top.append(head, style=style)
            if len(head) + 2 <= width:
                top.append(" ", style=style)
                head += " "
            top.append(gate, style=(style + " " + GATE_STYLE[info.gate]).strip())
            top.append(" " * (width - len(head) - 1))
            count = f"{info.done}/{info.total}" if info.total else "-"
            bar_w = max(2, width - len(count) - 2)
            filled = round(info.fraction * bar_w)
            bottom.append(" ")
            bottom.append("█" * filled, style="green" if info.gate == "passed" else "cyan")
            bottom.append("░" * (bar_w - filled), style="dim")
            bottom.append(f"{count:>{width - bar_w - 1}}"[: width - bar_w - 1],
                          style="bold red" if info.late else "")
        both = Text("\n").join([top, bottom])
        both.no_wrap = True
        both.overflow = "crop"
        return both

    def on_click(self, event: events.Click) -> None:
        index = event.x // self._cell_width()
        if 0 <= index < len(self.phases):
            self.post_message(self.Selected(self.phases[index].id))
