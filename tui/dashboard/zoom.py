"""Zoom (``z``): the focused pane of the project screen (checklist, detail, a phase
panel, the status log) takes the whole body, between the header and the key bar, and
``z`` or ``esc`` brings the layout back. The header and phase bar always stay."""

from __future__ import annotations

from typing import Any

from textual.widget import Widget

PANES = ("#checklist", "#detail", "#log", "PhasePanel")
HOLDERS = ("#main", "#left", "#side")


def focused_pane(screen: Any) -> Widget:
    """The pane that holds the focus, or the checklist."""
    node = screen.focused
    panes = [w for selector in PANES for w in screen.query(selector)]
    while node is not None and node is not screen:
        if node in panes:
            return node  # type: ignore[no-any-return]
        node = node.parent
    return screen.query_one("#checklist")  # type: ignore[no-any-return]


def _marked(screen: Any) -> list[Widget]:
    return [w for w in screen.walk_children(Widget) if w.has_class("-zoomed")]


def zoomed(screen: Any) -> Widget | None:
    """The zoomed pane, if any."""
    found = [w for w in _marked(screen) if w.id not in ("main", "left", "side")]
    return found[0] if found else None


def toggle(screen: Any) -> Widget | None:
    """Zoom the focused pane, or unzoom; return the pane zoomed (None: back to normal)."""
    if zoomed(screen) is not None:
        unzoom(screen)
        return None
    pane = focused_pane(screen)
    for old in _marked(screen):
        old.remove_class("-zoomed")
    node: Any = pane
    while node is not None and node is not screen:
        node.add_class("-zoomed")
        node = node.parent
    screen.add_class("-zoom")
    if pane.can_focus:
        pane.focus()
    return pane


def unzoom(screen: Any) -> bool:
    """Back to the normal layout; False when nothing was zoomed."""
    if not screen.has_class("-zoom"):
        return False
    for node in _marked(screen):
        node.remove_class("-zoomed")
    screen.remove_class("-zoom")
    return True
