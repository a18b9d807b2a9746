"""roles: as a map (title, members, lead), enforce_owners and separation_of_duties in
template files, with inheritance; group members expanded from the host's groups."""

from __future__ import annotations

import grp
import os
import textwrap
from pathlib import Path

from updeck.models.project import instantiate
from updeck.storage.groups import group_members
from updeck.storage.templates import load_template_file, validate_file

TEAM = """\
format: 1
id: teamplan
name: Team plan
roles:
  lead: {title: Change lead, members: [erin], lead: true}
  change-manager:
    title: Change manager
    members: [alice, "group:no-such-group-here"]
  app-owner: Application owner
  dba:
enforce_owners: true
phases:
  execute:
    items:
      - id: prep
        title: Prepare
        owner: dba
      - id: go
        title: Go
        kind: approval
        approvers: [change-manager, app-owner]
        separation_of_duties: true
        depends_on: [prep]
"""


def _write(folder: Path, text: str, name: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_roles_map_loads_with_titles_members_and_leads(tmp_path: Path) -> None:
    template = load_template_file(_write(tmp_path, TEAM, "team.yaml")).template
    assert template.roles == ("lead", "change-manager", "app-owner", "dba")
    assert template.role("lead").lead and template.role("lead").members == ("erin",)
    assert template.role("app-owner").title == "Application owner"
    assert template.role("dba").title == "" and template.enforce_owners
    assert template.item("go").separation_of_duties
    project = instantiate(template, "P", expand_group=group_members)
    # an unknown group stays as written: the listing shows it, no login matches it
    assert project.team == {"lead": ("erin",), "change-manager": ("alice", "group:no-such-group-here")}


def test_a_child_replaces_a_role_and_keeps_the_rest(tmp_path: Path) -> None:
    _write(tmp_path, TEAM, "teamplan.yaml")
    child = _write(tmp_path, """\
        format: 1
        id: child
        name: Child
        extends: teamplan
        roles:
          dba: {title: DBA, members: [dave]}
          security: Security officer
        phases: {}
        """, "child.yaml")
    template = load_template_file(child, search_path=[tmp_path]).template
    assert template.roles == ("lead", "change-manager", "app-owner", "dba", "security")
    assert template.role("dba").members == ("dave",) and template.role("lead").lead
    assert template.enforce_owners


def test_bad_roles_are_reported_with_their_place(tmp_path: Path) -> None:
    path = _write(tmp_path, """\
        format: 1
        id: badplan
        name: Bad
        roles:
          "bad role": x
          dba: {members: [bob, "no way"], lead: maybe, colour: red}
        phases:
          execute:
            items:
              - id: prep
                title: Prepare
                separation_of_duties: true
        """, "bad.yaml")
    messages = [f"{e.line}: {e.message}" for e in validate_file(path)]
    assert any(m.startswith('5: roles: "bad role" is not a role id') for m in messages)
    assert any('"no way" is not a user name' in m for m in messages)
    assert any("lead: expected true or false" in m for m in messages)
    assert any("unknown key 'colour' in role dba" in m for m in messages)
    assert any("separation_of_duties: only for kind approval" in m for m in messages)


def test_group_members_lists_the_people_of_a_host_group() -> None:
    mine = grp.getgrgid(os.getgid())
    assert set(mine.gr_mem) <= set(group_members(mine.gr_name))
    assert group_members("no-such-group-here") == []


def test_a_snapshot_keeps_the_team_the_creator_and_changed_decisions() -> None:
    from updeck.models.commands import ChangeTeam, DecideApproval, ItemAction
    from updeck.storage.snapshot import encode_state, restore_state

    from tests.support.team import me, team_driver

    d = team_driver()
    d.ok(ChangeTeam, user="zoe", role="dba", by=me("erin"))
    d.move("prep", ItemAction.DONE, by=me("dave"))
    d.ok(DecideApproval, item="go", go=True, by=me("alice"))
    d.ok(DecideApproval, item="go", go=False, approver="change-manager", change=True,
         note="changed my mind", by=me("alice"))
    restored = restore_state(d.state.project, encode_state(d.state))
    assert restored.team == d.state.team and restored.team["dba"] == ("dave", "zoe")
    assert restored.creator == "erin"
    assert restored.items["go"].decisions == d.state.items["go"].decisions
    assert restored.items["go"].decisions[0].previous is not None
