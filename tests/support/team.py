"""A project with a team for the engine-level tests of roles, approvals and --as."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from updeck.models.commands import CreateProject
from updeck.models.engine import decide, fold
from updeck.models.events import Operator
from updeck.models.project import instantiate
from updeck.models.template import RoleSpec

from tests.support.engine import T0, WINDOW, Driver, item, template

ROLES = (
    RoleSpec("lead", "Change lead", ("erin",), lead=True),
    RoleSpec("change-manager", "Change manager", ("alice", "carol")),
    RoleSpec("app-owner", "Application owner", ("bob", "carol")),
    RoleSpec("dba", "Database administrator", ("dave",)),
)
PEOPLE = ("alice", "bob", "carol", "dave", "erin", "mallory")


def me(name: str, login: str | None = None) -> Operator:
    """``name`` acting; the real login is ``login`` (default: the same person)."""
    return Operator(name, "jump1", login=login or name)


def team_driver(*, roles: tuple[RoleSpec, ...] = ROLES, enforce_owners: bool = False,
                creator: str = "erin") -> Driver:
    """prep (owned by dba) -> go (change-manager + app-owner) -> act; and sod-go, an
    app-owner approval with separation of duties that gates prep too."""
    items = (
        item("prep", owner="dba"),
        item("go", kind="approval", approvers=("change-manager", "app-owner"), depends_on=("prep",)),
        item("sod-go", kind="approval", approvers=("app-owner",), depends_on=("prep",),
             separation_of_duties=True),
        item("act", owner="dba", depends_on=("go",)),
    )
    base = template(*items)
    tmpl = replace(base, roles=tuple(r.id for r in roles), role_specs=roles,
                   enforce_owners=enforce_owners)
    driver = Driver.__new__(Driver)
    driver.at = T0 - timedelta(hours=1)
    project = instantiate(tmpl, "Team project", window=WINDOW, project_id="team-000001")
    created = decide(None, CreateProject(project=project, by=me(creator), at=driver.at))
    assert isinstance(created, list)
    driver.events = list(created)
    driver.state = fold(driver.events)
    return driver
