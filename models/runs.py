"""Runs of a project: rehearsals made from a live project's template, and runs grouped
under the project they rehearse."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from updeck.models.project import Project, Window, new_project_id
from updeck.models.state import ProjectState


def rehearsal_name(project: Project, existing: int) -> str:
    """The default name of the next rehearsal: ``CRM rehearsal 2``."""
    return f"{project.name} rehearsal {existing + 1}"


def rehearsal_of(project: Project, name: str, window: Window | None = None,
                 *, project_id: str | None = None) -> Project:
    """A new run of ``project``'s resolved template (variables already substituted):
    its own id and log, linked to the live project by ``rehearsal_of``. A window with a
    start and no end gets the template's default duration. A rehearsal of a rehearsal is
    a rehearsal of the same live project."""
    if not name.strip():
        raise ValueError("a rehearsal needs a name")
    window = window or Window()
    duration = project.template.window_duration
    if window.start is not None and window.end is None and duration:
        window = Window(window.start, window.start + timedelta(seconds=duration))
    if window.start is not None and window.end is not None and window.end <= window.start:
        raise ValueError("the window must end after it starts")
    return Project(
        id=project_id or new_project_id(name),
        name=name.strip(),
        template=project.template,
        template_id=project.template_id,
        template_version=project.template_version,
        template_sha256=project.template_sha256,
        variables=dict(project.variables),
        window=window,
        team=dict(project.team),
        rehearsal_of=project.rehearsal_of or project.id,
    )


def group_runs(runs: Sequence[ProjectState]) -> list[ProjectState]:
    """Live projects in their given order, each followed by its rehearsals (in their given
    order); rehearsals whose project is not among ``runs`` come last."""
    live_ids = {r.project.id for r in runs if not r.project.rehearsal_of}
    by_parent: dict[str, list[ProjectState]] = {}
    for run in runs:
        parent = run.project.rehearsal_of
        if parent:
            by_parent.setdefault(parent if parent in live_ids else "", []).append(run)
    out: list[ProjectState] = []
    for run in runs:
        if not run.project.rehearsal_of:
            out.append(run)
            out.extend(by_parent.get(run.project.id, []))
    out.extend(by_parent.get("", []))
    return out


def rehearsals(project_id: str, runs: Sequence[ProjectState]) -> list[ProjectState]:
    """The rehearsals of ``project_id`` among ``runs``, in their given order."""
    return [r for r in runs if r.project.rehearsal_of == project_id]
