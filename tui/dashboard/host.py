"""Typed access to the running dashboard from a screen, widget or palette provider:
``dashboard(self).read_only`` instead of ``self.app.read_only`` on an untyped app."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.message_pump import MessagePump

if TYPE_CHECKING:  # the app imports the screens and widgets; at run time the cast needs no class
    from updeck.tui.dashboard.app import UpdeckApp


def dashboard(node: MessagePump) -> UpdeckApp:
    """The updeck app that ``node`` runs in."""
    return cast("UpdeckApp", node.app)
