"""Notification rules and delivery outcomes in the status log: deciders, appliers, wording.

``notify_rule_added`` / ``notify_rule_removed`` change ``ProjectState.notify_rules``;
``notify_delivered`` / ``notify_failed`` record what the sender did (one event per batch
of deliveries, one per notification that failed for good). Registered by the engine and
the fold like the rollback's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from updeck.models.authority import is_lead, project_leads
from updeck.models.commands import ChangeNotifyRules, Command, RecordNotifyOutcomes, Refusal
from updeck.models.events import Event, EventKind
from updeck.models.notify_rules import rule_from_dict, rule_problem, rule_text, rule_to_dict
from updeck.models.phases import PHASE_IDS
from updeck.models.state import ProjectState
from updeck.models.team import has_team, names

Draft = tuple[EventKind, str | None, dict[str, Any]]
Drafts = list[Draft] | Refusal

#: Event kinds about notifications themselves: they never trigger a notification.
NOTIFY_KINDS = frozenset({EventKind.NOTIFY_RULE_ADDED, EventKind.NOTIFY_RULE_REMOVED,
                          EventKind.NOTIFY_DELIVERED, EventKind.NOTIFY_FAILED})


def rule_change_refusal(state: ProjectState, command: Command) -> Refusal | None:
    """With a team, only a lead changes where notifications go."""
    if has_team(state.team) and not is_lead(state, command.by):
        return Refusal(f"only a lead ({names(project_leads(state))}) may change the "
                       f"notification rules of {state.id}")
    return None


def decide_rules(state: ProjectState, command: Command) -> Drafts:
    assert isinstance(command, ChangeNotifyRules)
    if (refused := rule_change_refusal(state, command)) is not None:
        return refused
    if command.rule is None:
        known = [r.id for r in state.notify_rules]
        if command.remove not in known:
            return Refusal(f"no notification rule {command.remove!r} in {state.id}"
                           + (f" (rules: {', '.join(known)})" if known else " (it has none)"),
                           not_found=True)
        return [(EventKind.NOTIFY_RULE_REMOVED, None, {"rule": command.remove})]
    rule = command.rule
    if any(r.id == rule.id for r in state.notify_rules):
        return Refusal(f"{state.id} already has a notification rule {rule.id!r}; remove it "
                       "first or choose another --id")
    if (problem := rule_problem(rule, list(state.specs), PHASE_IDS)) is not None:
        return Refusal(problem)
    data = rule_to_dict(rule)
    data.pop("since", None)
    return [(EventKind.NOTIFY_RULE_ADDED, None, {"rule": data})]


def decide_outcomes(state: ProjectState, command: Command) -> Drafts:
    assert isinstance(command, RecordNotifyOutcomes)
    drafts: list[Draft] = []
    if command.delivered:
        drafts.append((EventKind.NOTIFY_DELIVERED, None,
                       {"notifications": [dict(d) for d in command.delivered]}))
    for failure in command.failed:
        drafts.append((EventKind.NOTIFY_FAILED, None, dict(failure)))
    if not drafts:
        return Refusal("nothing to record")
    return drafts


DECIDERS: dict[type[Command], Callable[[ProjectState, Command], Drafts]] = {
    ChangeNotifyRules: decide_rules,
    RecordNotifyOutcomes: decide_outcomes,
}


def apply_added(state: ProjectState, event: Event) -> None:
    data = dict(event.payload.get("rule") or {})
    data["since"] = event.seq
    state.notify_rules = (*state.notify_rules, rule_from_dict(data))


def apply_removed(state: ProjectState, event: Event) -> None:
    gone = str(event.payload.get("rule", ""))
    state.notify_rules = tuple(r for r in state.notify_rules if r.id != gone)


def apply_nothing(state: ProjectState, event: Event) -> None:
    """Outcomes are read by the sender and ``notify status``; the state keeps none."""


APPLIERS: dict[EventKind, Callable[[ProjectState, Event], None]] = {
    EventKind.NOTIFY_RULE_ADDED: apply_added,
    EventKind.NOTIFY_RULE_REMOVED: apply_removed,
    EventKind.NOTIFY_DELIVERED: apply_nothing,
    EventKind.NOTIFY_FAILED: apply_nothing,
}


def event_text(event: Event) -> str | None:
    """The wording of a notification event, None for other kinds."""
    p = event.payload
    if event.kind is EventKind.NOTIFY_RULE_ADDED:
        return f"notification rule added: {rule_text(rule_from_dict(p.get('rule') or {}))}"
    if event.kind is EventKind.NOTIFY_RULE_REMOVED:
        return f"notification rule removed: {p.get('rule', '?')}"
    if event.kind is EventKind.NOTIFY_DELIVERED:
        sent = list(p.get("notifications") or [])
        targets = sorted({str(n.get("target", "?")) for n in sent})
        return f"{len(sent)} notification(s) delivered to {', '.join(targets)}"
    if event.kind is EventKind.NOTIFY_FAILED:
        return (f"notification {p.get('trigger', '?')} to {p.get('target', '?')} failed after "
                f"{p.get('tries', '?')} tries: {p.get('error', '')}")
    return None
