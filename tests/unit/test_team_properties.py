"""Property tests of the team rules: whatever sequence of decisions, team changes, moves
and --as attempts, one person never holds two decisions of one four-eyes approval, a
recorded decision never changes without the change flag and a reason, and every decision
was made by a holder of its role (or a lead changing it)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from updeck.models.commands import ChangeTeam, Command, DecideApproval, ItemAction, MoveItem, Refusal
from updeck.models.engine import apply, decide
from updeck.models.events import EventKind
from updeck.models.state import ProjectState
from updeck.models.team import holders, leads

from tests.support.team import PEOPLE, me, team_driver

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
APPROVALS = ("go", "sod-go")
ROLES = ("change-manager", "app-owner", "dba")  # the lead role stays as it is: a team remains

people = st.sampled_from(PEOPLE)
# (acting name, real login): mostly as themselves, sometimes through --as
operator = st.tuples(people, st.one_of(st.none(), st.none(), st.none(), people))

decisions = st.builds(
    lambda who, item, role, go, change, note: ("decide", who, item, role, go, change, note),
    operator, st.sampled_from(APPROVALS), st.sampled_from((None, *ROLES)), st.booleans(),
    st.booleans(), st.sampled_from(("", "because")))
team_changes = st.builds(lambda who, user, role, add: ("team", who, user, role, add),
                         operator, people, st.sampled_from(ROLES), st.booleans())
moves = st.builds(lambda who, item, action: ("move", who, item, action), operator,
                  st.sampled_from(("prep", "prep", "go", "sod-go")),
                  st.sampled_from((ItemAction.DONE, ItemAction.REOPEN)))
steps = st.lists(st.one_of(decisions, team_changes, moves), max_size=40)


def _command(step: tuple[Any, ...], at: Any) -> Command:
    kind, (name, login) = step[0], step[1]
    by = me(name, login)
    if kind == "decide":
        _, _, item, role, go, change, note = step
        return DecideApproval(item=item, go=go, approver=role, change=change, note=note, by=by, at=at)
    if kind == "team":
        _, _, user, role, add = step
        return ChangeTeam(user=user, role=role, add=add, by=by, at=at)
    _, _, item, action = step
    return MoveItem(item=item, action=action, reason="again", by=by, at=at)


def _check_decision(before: ProjectState, command: DecideApproval, after: ProjectState) -> None:
    item = command.item
    made = [d for d in after.items[item].decisions if d.at == command.at and d not in
            before.items[item].decisions]
    assert len(made) == 1
    new = made[0]
    old = next((d for d in before.items[item].decisions if d.approver == new.approver), None)
    template = before.project.template
    is_lead = command.by.person in leads(before.team, template)
    if old is not None:  # a change: only with the flag, a reason, by its maker or a lead
        assert command.change and command.note.strip()
        assert old.by in (command.by.user, command.by.person) or is_lead
        assert new.previous == old
    else:
        assert command.by.user in holders(before.team, template, new.approver)
    if command.by.acting_as:
        assert is_lead


def _four_eyes(state: ProjectState) -> None:
    for item in APPROVALS:
        seen: dict[str, str] = {}
        for d in state.items[item].decisions:
            for person in {d.by, d.login} - {""}:
                assert seen.setdefault(person, d.approver) == d.approver, \
                    f"{person} decided {seen[person]} and {d.approver} on {item}"


@SETTINGS
@given(steps, st.booleans())
def test_no_sequence_breaks_four_eyes_or_changes_a_decision_silently(
        plan: list[tuple[Any, ...]], prepared: bool) -> None:
    d = team_driver()
    if prepared:  # the approvals' dependency done, so go's can pass
        d.move("prep", ItemAction.DONE, by=me("dave"))
    state = d.state
    for step in plan:
        at = d.tick(60)
        command = _command(step, at)
        result = decide(state, command)
        if isinstance(result, Refusal):
            assert result.reason
            continue
        before = state
        for event in result:
            state = apply(state, event)
        if isinstance(command, DecideApproval):
            _check_decision(before, command, state)
        if command.by.acting_as and any(before.team.values()):
            assert command.by.person in leads(before.team, before.project.template)
        assert all(e.kind is not EventKind.APPROVAL_DECIDED or e.by.login for e in result)
        _four_eyes(state)
