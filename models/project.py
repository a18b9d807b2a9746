"""A project: a named instance of a resolved template, with its cutover window."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from updeck.models.team import initial_team
from updeck.models.template import (
    Template,
    resolve_variables,
    substitute_template,
    template_from_dict,
    template_to_dict,
)


@dataclass(frozen=True, slots=True)
class Window:
    """The cutover window, planned or real. ``start`` is T."""

    start: datetime | None = None
    end: datetime | None = None

    @property
    def duration(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    name: str
    template: Template  # resolved and substituted: never changes after creation
    template_id: str
    template_version: str = ""
    template_sha256: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)
    window: Window = Window()
    team: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # role -> people at creation
    rehearsal_of: str = ""  # the live project's id when this run is a rehearsal of it

    @property
    def is_rehearsal(self) -> bool:
        return bool(self.rehearsal_of)

    @property
    def timezone(self) -> str:
        """The site's IANA zone name (``--timezone`` or the template's); "" for UTC."""
        return self.template.timezone


def slugify(text: str, *, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (slug[:limit].rstrip("-")) or "project"


def new_project_id(name: str) -> str:
    """A readable, unique id: ``crm-upgrade-3f9a1c``."""
    return f"{slugify(name, limit=32)}-{secrets.token_hex(3)}"


def instantiate(
    template: Template,
    name: str,
    variables: Mapping[str, str] | None = None,
    window: Window | None = None,
    *,
    project_id: str | None = None,
    sources_sha256: str = "",
    expand_group: Callable[[str], Sequence[str]] | None = None,
    timezone: str | None = None,
) -> Project:
    """A new project from a resolved template.

    Variables are substituted now, so later edits to a shared template never change a
    running project. A window with a start and no end gets the template's default
    duration. Raises :class:`updeck.models.template.MissingVariableError` naming a variable
    that has neither a value nor a default, and ``ValueError`` for an empty name or a
    window that ends before it starts. The team starts as the template's default role
    members; ``expand_group`` turns a ``group:NAME`` member into the group's people.
    ``timezone`` (an IANA name, checked by the caller) overrides the template's
    ``timezone:``.
    """

    if not name.strip():
        raise ValueError("a project needs a name")
    values = resolve_variables(template, variables or {})
    window = window or Window()
    if window.start is not None and window.end is None and template.window_duration:
        window = Window(window.start, window.start + timedelta(seconds=template.window_duration))
    if window.start is not None and window.end is not None and window.end <= window.start:
        raise ValueError("the window must end after it starts")
    resolved = substitute_template(template, values)
    if timezone is not None:
        resolved = replace(resolved, timezone=timezone.strip())
    return Project(
        id=project_id or new_project_id(name),
        name=name.strip(),
        template=resolved,
        template_id=template.id,
        template_version=template.version,
        template_sha256=sources_sha256,
        variables=values,
        window=window,
        team=initial_team(template, expand_group),
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def window_to_dict(window: Window) -> dict[str, str | None]:
    return {"start": _iso(window.start), "end": _iso(window.end)}


def window_from_dict(data: Mapping[str, Any]) -> Window:
    return Window(_parse(data.get("start")), _parse(data.get("end")))


def project_to_dict(project: Project) -> dict[str, Any]:
    data = _project_dict(project)
    if project.team:  # only when there is one: older projects keep their exact form
        data["team"] = {role: list(people) for role, people in project.team.items()}
    if project.rehearsal_of:  # only when set: live projects' logs keep their old shape
        data["rehearsal_of"] = project.rehearsal_of
    return data


def _project_dict(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "template_id": project.template_id,
        "template_version": project.template_version,
        "template_sha256": project.template_sha256,
        "variables": dict(project.variables),
        "window": window_to_dict(project.window),
        "template": template_to_dict(project.template),
    }


def project_from_dict(data: Mapping[str, Any]) -> Project:
    return Project(
        id=data["id"],
        name=data["name"],
        template=template_from_dict(data["template"]),
        template_id=data["template_id"],
        template_version=data.get("template_version", ""),
        template_sha256=data.get("template_sha256", ""),
        variables=dict(data.get("variables", {})),
        window=window_from_dict(data.get("window", {})),
        team={str(role): tuple(people) for role, people in (data.get("team") or {}).items()},
        rehearsal_of=str(data.get("rehearsal_of") or ""),
    )
