"""The team as the dashboard shows it (help screen): who you are and the roles you hold,
then every role with its title, whether it leads, and who holds it."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from updeck.models.events import Operator
from updeck.models.state import ProjectState
from updeck.models.team import names
from updeck.tui.common.team_view import team_data, you_line
from updeck.tui.dashboard.format import plain


def identity_line(state: ProjectState, operator: Operator) -> Text:
    """``you: alice — roles: dba`` (passed through ``plain``)."""
    return Text(plain(you_line(state, operator)), style="bold")


def team_renderables(state: ProjectState, operator: Operator) -> list[Text | Table]:
    """The team: a heading, one row per role, who may change it (all through ``plain``)."""
    data = team_data(state, operator)
    parts: list[Text | Table] = [Text(f"\nTeam of {plain(state.project.name)}",
                                      style="bold underline")]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_column(overflow="fold")
    for role in data["roles"]:
        title = plain(role["title"]) + (" [lead]" if role["lead"] else "")
        grid.add_row(plain(role["id"]), plain(names(role["members"])), title.strip())
    if not data["roles"]:
        grid.add_row("-", "the template declares no roles", "")
    parts.append(grid)
    may = plain(names(data["may_change"]))
    note = f"may change the team: {may}" + ("" if data["leads"] else " (the creator; no lead)")
    if not data["enforced"]:
        note += "; nobody holds a role yet, so approvals and --as are not enforced"
    parts.append(Text(note + "  (updeck team PROJECT add|remove USER ROLE)", style="dim"))
    return parts
