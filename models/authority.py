"""Who may do what on a project that has a team: ``--as``, approvals, team changes and
(opt-in) owned items. Every refusal names who would be allowed.

A project has a team when somebody holds a role; without one nothing here applies and a
project behaves as it did before teams existed.
"""

from __future__ import annotations

import re

from updeck.models.commands import ChangeTeam, Command, DecideApproval, ItemAction, MoveItem, Refusal
from updeck.models.events import Event, Operator
from updeck.models.state import Decision, ItemRun, ItemStatus, ProjectState
from updeck.models.team import has_team, holders, leads, names, roles_of, with_member
from updeck.models.template import ItemSpec

OWNED_ACTIONS = frozenset({ItemAction.START, ItemAction.DONE, ItemAction.FAIL, ItemAction.SKIP})
USER_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._@+-]{0,63}")
_VERB = {ItemAction.START: "start", ItemAction.DONE: "mark done", ItemAction.FAIL: "fail",
         ItemAction.SKIP: "skip", ItemAction.REOPEN: "reopen"}


def project_leads(state: ProjectState) -> tuple[str, ...]:
    return leads(state.team, state.project.template)


def is_lead(state: ProjectState, by: Operator) -> bool:
    return by.person in project_leads(state)


def _people(by: Operator) -> set[str]:
    return {by.user, by.person}


def check_command(state: ProjectState, command: Command) -> Refusal | None:
    """The rules every command on a project with a team obeys, before its own."""
    if not has_team(state.team):
        return None
    by = command.by
    if by.acting_as and not is_lead(state, by):
        return Refusal(f"{by.login} may not act as {by.user} in {state.id}: the project has a "
                       f"team and only a lead ({names(project_leads(state))}) may use --as; "
                       "run it without --as")
    if isinstance(command, MoveItem):
        return _check_move(state, command)
    return None


def _check_move(state: ProjectState, command: MoveItem) -> Refusal | None:
    spec = state.specs.get(command.item)
    if spec is None or is_lead(state, command.by):
        return None
    template = state.project.template
    if spec.is_approval and command.action is ItemAction.REOPEN:
        # Reopening clears every decision: only someone who may decide it, or a lead.
        allowed = {p for a in spec.approvers for p in holders(state.team, template, a)}
        if not (_people(command.by) & allowed) and state.items[spec.id].decisions:
            return Refusal(f"only a holder of {', '.join(spec.approvers)} ({names(sorted(allowed))}) "
                           f"or a lead ({names(project_leads(state))}) may reopen {spec.id}: "
                           "reopening clears its decisions")
        return None
    if not (template.enforce_owners and command.action in OWNED_ACTIONS
            and spec.owner in template.roles):
        return None
    owners = holders(state.team, template, spec.owner)
    if _people(command.by) & set(owners):
        return None
    return Refusal(f"only holders of {spec.owner} ({names(owners)}) or a lead "
                   f"({names(project_leads(state))}) may {_VERB[command.action]} {spec.id}; "
                   f"{command.by.user} does not hold {spec.owner}")


def approver_for(state: ProjectState, spec: ItemSpec, command: DecideApproval) -> str | Refusal:
    """The role (or person) this decision is for: ``--role``, else the one role the
    operator holds among the approvers. Without a team: ``--role`` or the operator."""
    if not has_team(state.team):
        return command.approver or command.by.user
    template, user = state.project.template, command.by.user
    if command.approver:
        role = command.approver
        recorded = any(d.approver == role for d in state.items[spec.id].decisions)
        lead_change = command.change and recorded and is_lead(state, command.by)
        if role in spec.approvers and user not in holders(state.team, template, role) \
                and not lead_change:
            return Refusal(f"{user} does not hold {role}, so cannot decide it on {spec.id}; "
                           f"{role} is held by {names(holders(state.team, template, role))} "
                           f"(a lead, {names(project_leads(state))}, changes the team)")
        return role
    mine = [a for a in spec.approvers if user in holders(state.team, template, a)]
    if len(mine) == 1:
        return mine[0]
    if mine:
        return Refusal(f"{user} holds {', '.join(mine)} on {spec.id}: choose one with --role")
    held = "; ".join(f"{a}: {names(holders(state.team, template, a))}" for a in spec.approvers)
    return Refusal(f"{user} holds none of the roles that decide {spec.id} ({held})")


def check_decision(state: ProjectState, spec: ItemSpec, run: ItemRun, approver: str,
                   command: DecideApproval) -> Refusal | None:
    """Four eyes, separation of duties and no silent change, on a project with a team."""
    if not has_team(state.team):
        return None
    by, template = command.by, state.project.template
    me = _people(by)
    for other in run.decisions:
        if other.approver != approver and me & {other.by, other.login} - {""}:
            others = [p for p in holders(state.team, template, approver) if p not in me]
            return Refusal(f"four eyes: {other.who()} already decided {other.approver} on "
                           f"{spec.id}, so {approver} needs someone else ({names(others)})")
    if spec.separation_of_duties:
        for dep in upstream(state, spec.id):
            dep_run = state.items[dep]
            if dep_run.status is ItemStatus.DONE and dep_run.by in me:
                others = [p for p in holders(state.team, template, approver) if p not in me]
                return Refusal(f"separation of duties: {dep_run.by} completed {dep}, which "
                               f"{spec.id} gates; another holder of {approver} must decide "
                               f"({names(others)})")
    existing = next((d for d in run.decisions if d.approver == approver), None)
    if existing is None:
        return None
    said = "GO" if existing.go else "NO-GO"
    allowed = f"{existing.by} or a lead ({names(project_leads(state))})"
    if not command.change:
        return Refusal(f"{approver} already decided {said} on {spec.id} ({existing.who()}); "
                       f"to change it, {allowed} runs it again with --change --note REASON")
    if not command.note.strip():
        return Refusal(f"changing {approver}'s decision on {spec.id} needs --note REASON")
    if existing.by not in me and not is_lead(state, by):
        return Refusal(f"only {allowed} may change {approver}'s decision on {spec.id}")
    return None


def upstream(state: ProjectState, item_id: str) -> list[str]:
    """Every item this one waits for, directly or through others: the work it gates."""
    seen: dict[str, None] = {}
    todo = list(state.specs[item_id].depends_on)
    while todo:
        dep = todo.pop()
        if dep in seen or dep not in state.specs:
            continue
        seen[dep] = None
        todo.extend(state.specs[dep].depends_on)
    return list(seen)


def team_change_refusal(state: ProjectState, command: ChangeTeam) -> Refusal | None:
    """Why this team change may not happen, or None."""
    template, role, user = state.project.template, command.role, command.user
    if role not in template.roles:
        return Refusal(f"no role {role!r} in {state.id} (roles: {names(template.roles)})",
                       not_found=True)
    if not USER_NAME.fullmatch(user):
        return Refusal(f"{user!r} is not a user name (letters, digits, . _ @ + -; "
                       "at most 64 characters)", not_found=True)
    current = holders(state.team, template, role)
    if command.add and user in current:
        return Refusal(f"{user} already holds {role}")
    if not command.add and user not in current:
        return Refusal(f"{user} does not hold {role} (holders: {names(current)})")
    lead_people = project_leads(state)
    if lead_people:
        if command.by.person not in lead_people:
            return Refusal(f"only a lead ({names(lead_people)}) may change the team of {state.id}")
    elif command.by.person != state.creator:
        return Refusal(f"only {state.creator}, who created {state.id}, may change its team while "
                       "no lead role has members (a template marks lead roles with lead: true)")
    return None


def apply_team_change(state: ProjectState, event: Event) -> None:
    p = event.payload
    state.team = with_member(state.team, str(p["role"]), str(p["user"]), add=p["action"] == "add")


def roles_held(state: ProjectState, user: str) -> tuple[str, ...]:
    return roles_of(state.team, user)


def decision_from_event(event: Event, previous: Decision | None) -> Decision:
    """The decision an ``approval_decided`` event records, linked to the one it changed."""
    by = event.by
    return Decision(approver=str(event.payload["approver"]), go=bool(event.payload["go"]),
                    by=by.user, at=event.at, note=str(event.payload.get("note", "")),
                    login=by.login if by.acting_as else "", previous=previous)
