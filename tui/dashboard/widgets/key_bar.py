"""The key bar at the bottom: the keys of the current screen that apply now.

A single line drawn from the screen's bindings (``show=True`` and not refused by
``check_action``, nor hidden for now by the screen's ``key_hidden(action)``), like
Textual's Footer but without widgets of its own, so switching
screens and closing dialogs costs one line of text instead of a recompose."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from rich.text import Text
from textual import events
from textual.app import App
from textual.binding import Binding
from textual.widget import Widget

Node = Widget | App[object]  # what a key belongs to: the screen or the app


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $panel;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, Node, str]] = []

    def _entries(self) -> list[tuple[str, str, Node, str]]:
        screen = self.screen
        app = self.app
        out: list[tuple[str, str, Node, str]] = []
        seen: set[str] = set()
        hidden: Callable[[str], bool] | None = getattr(screen, "key_hidden", None)
        nodes: tuple[Node, ...] = (screen, app)
        for node in nodes:
            for binding in node.BINDINGS:
                if not isinstance(binding, Binding) or not binding.show:
                    continue
                name, _, params = binding.action.partition("(")
                args = tuple(p.strip().strip("'\"") for p in params.rstrip(")").split(",")
                             if p.strip())
                if node.check_action(name, args) is False or binding.action in seen:
                    continue
                if hidden is not None and hidden(name):
                    continue
                seen.add(binding.action)
                first = replace(binding, key=binding.key.split(",")[0].strip())
                out.append((app.get_key_display(first), binding.description, node,
                            binding.action))
        return out

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []
        for key, description, node, action in self._entries():
            start = line.cell_len
            line.append(f" {key}", style="bold")
            line.append(f" {description}")
            self._spans.append((start, line.cell_len, node, action))
            line.append(" ")
        palette = " ^p palette "
        room = self.size.width - line.cell_len - len(palette)
        if room > 0:
            line.append(" " * room)
            line.append(palette, style="dim")
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, node, action in self._spans:
            if start <= event.x < end:
                self.call_later(node.run_action, action)
                return
