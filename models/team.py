"""A project's team: who holds which role, as plain data over the template's roles.

The team maps a role id to the people who hold it. It starts as the template's default
members (``group:NAME`` expanded by the caller, who can read the host's groups) and
changes only through ``team_changed`` events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from updeck.models.template import Template

Team = Mapping[str, tuple[str, ...]]
GROUP_PREFIX = "group:"


def initial_team(template: Template,
                 expand_group: Callable[[str], Sequence[str]] | None = None) -> dict[str, tuple[str, ...]]:
    """The template's default members per role. A group nobody can expand stays as
    written (``group:ops``), so the listing shows it; no login can match it."""
    team: dict[str, tuple[str, ...]] = {}
    for role in template.role_specs:
        people: list[str] = []
        for member in role.members:
            if member.startswith(GROUP_PREFIX) and expand_group is not None:
                found = list(expand_group(member[len(GROUP_PREFIX):]))
                people.extend(found if found else [member])
            else:
                people.append(member)
        if people:
            team[role.id] = tuple(dict.fromkeys(people))
    return team


def with_member(team: Team, role: str, user: str, *, add: bool) -> dict[str, tuple[str, ...]]:
    """A new team with ``user`` added to (or removed from) ``role``."""
    out = dict(team)
    people = [p for p in out.get(role, ()) if p != user]
    if add:
        people.append(user)
    if people:
        out[role] = tuple(people)
    else:
        out.pop(role, None)
    return out


def has_team(team: Team) -> bool:
    """A project with nobody in any role has no team: nothing is enforced."""
    return any(team.values())


def holders(team: Team, template: Template, approver: str) -> tuple[str, ...]:
    """Who may speak for ``approver``: the role's members, or the person it names."""
    if approver in template.roles:
        return tuple(team.get(approver, ()))
    return (approver,)


def roles_of(team: Team, user: str) -> tuple[str, ...]:
    return tuple(role for role, people in team.items() if user in people)


def leads(team: Team, template: Template) -> tuple[str, ...]:
    """Everyone who holds a role the template marks ``lead: true``."""
    found: dict[str, None] = {}
    for role in template.lead_roles():
        for person in team.get(role, ()):
            found.setdefault(person, None)
    return tuple(found)


def names(people: Sequence[str]) -> str:
    """``alice, bob``, or ``nobody`` when there is no one."""
    return ", ".join(people) if people else "nobody"
