"""The command palette (ctrl+p): every action of the screen it was opened on, only the
ones that apply right now (``check_action``), plus "open project …" on the home screen."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from updeck.models.phases import PHASES
from updeck.tui.dashboard.keys import ACTION_HELP, PALETTE_TITLE
from updeck.tui.dashboard.screens.home import HomeScreen
from updeck.tui.dashboard.screens.project import ProjectScreen


def _key_label(key: str) -> str:
    first = key.split(",")[0]
    return {"question_mark": "?", "slash": "/", "escape": "esc", "dollar_sign": "$"}.get(first, first)


class UpdeckCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        screen = self.screen
        app = self.app
        out: list[tuple[str, str, Callable[[], object]]] = []
        seen: set[str] = set()
        for node, bindings in ((screen, getattr(screen, "BINDINGS", [])),
                               (app, getattr(app, "BINDINGS", []))):
            for binding in bindings:
                action = getattr(binding, "action", None)
                if action is None or action in seen or action.startswith("phase("):
                    continue
                name, _, params = action.partition("(")
                check = getattr(node, "check_action", None)
                if check is not None and check(name, ()) is False:
                    continue
                if name == "move" and check is not None:
                    arg = params.rstrip(")").strip("'\"")
                    if check("move", (arg,)) is False:
                        continue
                seen.add(action)
                label = PALETTE_TITLE.get(action, binding.description)
                title = f"{label} ({_key_label(binding.key)})"
                help_text = ACTION_HELP.get(action, binding.description)
                out.append((title, help_text,
                            partial(node.run_action, action)))
        if isinstance(screen, ProjectScreen):  # the cutover view has no phase keys
            for n, phase in enumerate(PHASES, start=1):
                out.append((f"Phase {n}: {phase.title} ({n})", phase.purpose,
                            partial(screen.run_action, f"phase({n})")))
        if isinstance(screen, HomeScreen):
            for state in screen.palette_projects():
                out.append((f"Open project {state.project.name}", state.id,
                            partial(screen.open_project, state.id)))
        return out

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
