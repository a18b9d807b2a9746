"""The team as both faces show it: each role with its holders, the leads, who may change
the team, and who the current operator is and which roles they hold."""

from __future__ import annotations

from typing import Any

from updeck.models.authority import project_leads
from updeck.models.events import Operator
from updeck.models.state import ProjectState
from updeck.models.team import has_team, holders, names, roles_of

Data = dict[str, Any]


def team_data(state: ProjectState, operator: Operator | None = None) -> Data:
    """Plain data for ``updeck team --json`` and the team screen."""
    template = state.project.template
    leads = project_leads(state)
    roles = [
        {"id": role, "title": template.role(role).title, "lead": template.role(role).lead,
         "members": list(holders(state.team, template, role))}
        for role in template.roles
    ]
    data: Data = {
        "project": state.id,
        "enforced": has_team(state.team),
        "roles": roles,
        "leads": list(leads),
        "creator": state.creator,
        "may_change": list(leads) if leads else [state.creator],
        "enforce_owners": template.enforce_owners,
    }
    if operator is not None:
        data["you"] = you_data(state, operator)
    return data


def you_data(state: ProjectState, operator: Operator) -> Data:
    """Who the operator is on this project: name, login, roles held, lead or not."""
    return {"name": operator.user, "login": operator.login, "who": operator.who(),
            "roles": list(roles_of(state.team, operator.user)),
            "lead": operator.person in project_leads(state)}


def you_line(state: ProjectState, operator: Operator) -> str:
    """``you: alice — roles: dba, change-manager (lead)`` in one line."""
    you = you_data(state, operator)
    roles = ", ".join(you["roles"]) if you["roles"] else "none"
    if not has_team(state.team):
        roles += " (no team: roles are not enforced)"
    return f"you: {you['who']} — roles: {roles}" + (" — lead" if you["lead"] else "")


def team_text(data: Data) -> str:
    """The team as lines of text: one row per role."""
    rows = []
    width = max((len(r["id"]) for r in data["roles"]), default=4)
    for role in data["roles"]:
        title = f" {role['title']}" if role["title"] else ""
        lead = " [lead]" if role["lead"] else ""
        rows.append(f"{role['id']:<{width}}  {names(role['members'])}   ({title.strip() or '-'}{lead})")
    if not rows:
        rows.append("the template declares no roles")
    may = names(data["may_change"])
    rows.append("")
    rows.append(f"may change the team: {may}" + ("" if data["leads"] else " (the creator; no lead)"))
    if not data["enforced"]:
        rows.append("nobody holds a role yet: approvals and --as are not enforced")
    elif data["enforce_owners"]:
        rows.append("enforce_owners: items owned by a role are moved by its holders or a lead")
    if "you" in data:
        you = data["you"]
        rows.append(f"you: {you['who']} — roles: {', '.join(you['roles']) or 'none'}"
                    + (" — lead" if you["lead"] else ""))
    return "\n".join(rows)
