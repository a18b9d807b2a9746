"""Every dashboard key is in the README's key table and in the help's words (issue 17)."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding
from updeck.tui.dashboard.keys import ACTION_HELP, CUTOVER_BINDINGS, PROJECT_BINDINGS

README = Path(__file__).resolve().parents[2] / "README.md"
NAMES = {"slash": "/", "dollar_sign": "$", "escape": "escape", "enter": "enter", "tab": "tab"}


def test_every_project_and_cutover_key_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## The dashboard"):]
    missing = []
    for binding in [*PROJECT_BINDINGS, *CUTOVER_BINDINGS]:
        assert isinstance(binding, Binding)
        if binding.action.startswith("phase("):
            continue
        key = binding.key.split(",")[0]
        if f"`{NAMES.get(key, key)}`" not in table:
            missing.append(key)
    assert not missing, f"keys missing from README.md's dashboard table: {missing}"


def test_every_project_action_has_help_words() -> None:
    for binding in PROJECT_BINDINGS:
        assert isinstance(binding, Binding)
        if binding.action.startswith("phase(") or binding.action == "focus_next":
            continue
        assert binding.action in ACTION_HELP, binding.action
