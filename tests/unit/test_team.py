"""Roles and identity on a project with a team: who may approve, change a decision, use
--as, change the team and move owned items; old projects without a team are unchanged."""

from __future__ import annotations

from dataclasses import replace

from updeck.models.commands import ChangeTeam, DecideApproval, ItemAction, MoveItem
from updeck.models.events import Event, Operator
from updeck.models.project import instantiate, project_from_dict, project_to_dict
from updeck.models.report import build_report
from updeck.models.schedule import compute_schedule
from updeck.models.team import initial_team
from updeck.models.template import RoleSpec, template_from_dict, template_to_dict

from tests.support.engine import Driver, item, template
from tests.support.team import ROLES, me, team_driver

A = ItemAction


def test_a_member_needs_no_role_and_a_non_member_is_refused_with_the_holders_named() -> None:
    d = team_driver()
    d.move("prep", A.DONE, by=me("dave"))
    refusal = d.no(DecideApproval, item="go", go=True, by=me("mallory"))
    assert "mallory holds none" in refusal.reason
    assert "change-manager: alice, carol" in refusal.reason and "app-owner: bob, carol" in refusal.reason
    refusal = d.no(DecideApproval, item="go", go=True, approver="app-owner", by=me("alice"))
    assert "alice does not hold app-owner" in refusal.reason and "bob, carol" in refusal.reason
    d.ok(DecideApproval, item="go", go=True, by=me("alice"))
    assert [(x.approver, x.by) for x in d.state.items["go"].decisions] == [("change-manager", "alice")]


def test_someone_holding_two_roles_chooses_and_four_eyes_keeps_them_to_one() -> None:
    d = team_driver()
    d.move("prep", A.DONE, by=me("dave"))
    assert "choose one with --role" in d.no(DecideApproval, item="go", go=True, by=me("carol")).reason
    d.ok(DecideApproval, item="go", go=True, approver="change-manager", by=me("carol"))
    refusal = d.no(DecideApproval, item="go", go=True, approver="app-owner", by=me("carol"))
    assert refusal.reason.startswith("four eyes: carol already decided change-manager")
    assert "(bob)" in refusal.reason
    d.ok(DecideApproval, item="go", go=True, by=me("bob"))
    assert d.status("go").value == "done"


def test_a_recorded_decision_changes_only_with_the_flag_and_a_reason_by_its_maker_or_a_lead() -> None:
    d = team_driver()
    d.move("prep", A.DONE, by=me("dave"))
    d.ok(DecideApproval, item="go", go=True, approver="change-manager", by=me("alice"))
    refused = d.no(DecideApproval, item="go", go=False, approver="change-manager", by=me("carol"))
    assert "already decided GO" in refused.reason and "--change --note" in refused.reason
    assert "only alice or a lead (erin)" in d.no(
        DecideApproval, item="go", go=False, approver="change-manager", by=me("carol"),
        change=True, note="not ready").reason
    assert "needs --note" in d.no(DecideApproval, item="go", go=False, approver="change-manager",
                                  by=me("alice"), change=True).reason
    # the lead acts as alice (--as) and changes it, saying why
    d.ok(DecideApproval, item="go", go=False, approver="change-manager", by=me("alice", "erin"),
         change=True, note="smoke test failed")
    decision = d.state.items["go"].decisions[0]
    assert decision.who() == "erin (as alice)" and decision.previous is not None
    assert decision.previous.go and decision.previous.by == "alice"
    report = build_report(d.state, compute_schedule(d.state, d.at), d.events, d.at)
    approval = report["approvals"][0]["decisions"][0]
    assert approval["who"] == "erin (as alice)" and approval["changed_from"]["by"] == "alice"
    changes = [h for h in report["approval_history"] if h["change"]]
    assert changes and changes[0]["who"] == "erin (as alice)"


def test_a_lead_changes_a_decision_under_their_own_name_but_cannot_give_a_fresh_one() -> None:
    d = team_driver()
    d.move("prep", A.DONE, by=me("dave"))
    assert "erin does not hold app-owner" in d.no(DecideApproval, item="go", go=True,
                                                 approver="app-owner", by=me("erin")).reason
    d.ok(DecideApproval, item="go", go=True, approver="app-owner", by=me("bob"))
    d.ok(DecideApproval, item="go", go=False, approver="app-owner", by=me("erin"), change=True,
         note="vendor withdrew support")
    decision = d.state.items["go"].decisions[0]
    assert (decision.by, decision.go, decision.previous and decision.previous.by) == ("erin", False, "bob")
    assert d.status("go").value == "failed"


def test_as_is_for_leads_only_once_the_project_has_a_team() -> None:
    d = team_driver()
    refused = d.no(MoveItem, item="prep", action=A.DONE, by=me("alice", "bob"))
    assert "bob may not act as alice" in refused.reason and "lead (erin)" in refused.reason
    d.ok(MoveItem, item="prep", action=A.DONE, by=me("dave", "erin"))
    assert d.events[-1].by.who() == "erin (as dave)"


def test_separation_of_duties_keeps_whoever_did_the_work_from_approving_it() -> None:
    d = team_driver()
    d.ok(ChangeTeam, user="bob", role="dba", by=me("erin"))
    d.move("prep", A.DONE, by=me("bob"))
    refused = d.no(DecideApproval, item="sod-go", go=True, by=me("bob"))
    assert "separation of duties: bob completed prep" in refused.reason and "(carol)" in refused.reason
    d.ok(DecideApproval, item="sod-go", go=True, by=me("carol"))


def test_the_team_changes_by_leads_or_the_creator_and_owners_are_enforced_when_asked() -> None:
    d = team_driver(enforce_owners=True)
    assert "only a lead (erin)" in d.no(ChangeTeam, user="mallory", role="dba", by=me("dave")).reason
    refused = d.no(MoveItem, item="prep", action=A.START, by=me("alice"))
    assert "only holders of dba (dave) or a lead (erin) may start prep" in refused.reason
    d.ok(ChangeTeam, user="alice", role="dba", by=me("erin"))
    d.move("prep", A.START, by=me("alice"))
    d.ok(ChangeTeam, user="alice", role="dba", add=False, by=me("erin"))
    assert d.state.team["dba"] == ("dave",)
    assert "does not hold dba" in d.no(ChangeTeam, user="alice", role="dba", add=False,
                                       by=me("erin")).reason
    assert d.no(ChangeTeam, user="x", role="nope", by=me("erin")).not_found
    # without lead members, the creator changes the team
    no_lead = tuple(replace(r, members=()) if r.lead else r for r in ROLES)
    d = team_driver(roles=no_lead, creator="root")
    assert "only root, who created" in d.no(ChangeTeam, user="x", role="dba", by=me("alice")).reason
    d.ok(ChangeTeam, user="x", role="dba", by=me("root"))


def test_without_a_team_nothing_changes_but_the_login_is_kept() -> None:
    d = Driver(item("go", kind="approval", approvers=("change-manager", "app-owner")))
    mallory = Operator("mallory", login="root")
    d.ok(DecideApproval, item="go", go=True, approver="change-manager", by=mallory)
    d.ok(DecideApproval, item="go", go=True, approver="app-owner", by=mallory)
    assert d.status("go").value == "done"
    event = d.events[-1]
    assert event.by.who() == "root (as mallory)"
    assert Event.from_dict(event.to_dict()).computed_hash() == event.hash
    old = Operator("alice", "h")
    assert "login" not in old.to_dict()  # older events keep the form (and hash) they had


def test_roles_round_trip_and_groups_expand_at_creation() -> None:
    roles = (RoleSpec("ops", "Operations", ("group:wheel", "zoe", "group:none")),
             RoleSpec("lead", "", ("yan",), lead=True))
    tmpl = replace(template(item("x")), roles=("ops", "lead"), role_specs=roles, enforce_owners=True)
    assert template_from_dict(template_to_dict(tmpl)) == tmpl
    groups = {"wheel": ["adm", "zoe"]}
    assert initial_team(tmpl, lambda name: groups.get(name, [])) == {
        "ops": ("adm", "zoe", "group:none"), "lead": ("yan",)}
    project = instantiate(tmpl, "P", expand_group=lambda name: groups.get(name, []))
    assert project_from_dict(project_to_dict(project)) == project
    plain = template(item("x"))
    assert "role_specs" not in template_to_dict(plain) and "team" not in project_to_dict(
        instantiate(plain, "P"))
