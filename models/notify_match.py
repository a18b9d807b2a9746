"""Which notifications are due: from a new event (state before and after it) or from the
clock (item late, rollback decide-by in N minutes).

Each :class:`Notification` has an idempotency key that is the same however often it is
computed: ``PROJECT:SEQ:RULE:TARGET:ITEM`` for an event (``-`` for no item; one event
can make several items ready), ``PROJECT:late:ITEM:SEQ:RULE:TARGET`` (SEQ: the item's last
move) and ``PROJECT:decide_by:LEAD:END:RULE:TARGET`` (END: the window end) for the clock.
The document is the ``generic`` payload; every text in it went through
:func:`updeck.models.text.one_line`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from updeck.models.event_text import event_text, iso
from updeck.models.events import Event, EventKind
from updeck.models.notify_log import NOTIFY_KINDS
from updeck.models.notify_rules import NotifyRule, parse_trigger, target_to_dict
from updeck.models.rollups import gate, metric_status
from updeck.models.schedule import Schedule
from updeck.models.state import ItemStatus, ProjectState
from updeck.models.text import one_line

S = ItemStatus
_SEVERITY = {"item_failed": "danger", "item_blocked": "warning", "item_late": "warning",
             "metric_off_target": "warning", "rollback_started": "danger",
             "decide_by": "warning", "point_of_no_return": "warning",
             "approval_pending": "warning"}


@dataclass(frozen=True, slots=True)
class Hit:
    """One trigger fired: about an item, a phase, or the project."""

    trigger: str
    title: str
    item: str | None = None
    phase: str | None = None


@dataclass(frozen=True, slots=True)
class Notification:
    key: str
    rule: str
    target_index: int
    target: dict[str, Any]  # target_to_dict: kept so a removed rule's queue still drains
    document: dict[str, Any]

    @property
    def target_id(self) -> str:
        """Delivery is in order per target: ``RULE#N`` (N from 1)."""
        return f"{self.rule}#{self.target_index + 1}"

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "rule": self.rule, "target_index": self.target_index,
                "target": self.target, "document": self.document}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Notification:
        return Notification(str(data["key"]), str(data["rule"]), int(data["target_index"]),
                            dict(data["target"]), dict(data["document"]))


# --- triggers of an event -------------------------------------------------------------

def _label(state: ProjectState, item_id: str) -> str:
    spec = state.specs[item_id]
    return f"{spec.title} ({item_id})"


def _ready(state: ProjectState, item_id: str) -> bool:
    return state.items[item_id].status is S.TODO and state.is_ready(item_id)


def event_hits(before: ProjectState | None, event: Event, after: ProjectState) -> list[Hit]:
    """Every trigger ``event`` fires (``every_event`` included), in a fixed order."""
    if event.kind in NOTIFY_KINDS:
        return []
    item = event.item if event.item is not None and event.item in after.specs else None
    hits = [Hit("every_event", event_text(event), item,
                after.specs[item].phase if item is not None else None)]
    if item is not None and before is not None:
        old, new = before.items[item].status, after.items[item].status
        reason = str(event.payload.get("reason", "") or "")
        why = f": {reason}" if reason else ""
        if new is S.FAILED and old is not S.FAILED:
            hits.append(Hit("item_failed", f"{_label(after, item)} failed{why}", item))
        if new is S.BLOCKED and old is not S.BLOCKED:
            hits.append(Hit("item_blocked", f"{_label(after, item)} is blocked{why}", item))
    if event.kind is EventKind.APPROVAL_DECIDED and item is not None:
        hits.append(Hit("approval_decided", f"{_label(after, item)}: {event_text(event)}", item))
    for spec in after.specs.values():  # items made ready by this event
        if _ready(after, spec.id) and (before is None or not _ready(before, spec.id)):
            if spec.is_approval:
                waiting = ", ".join(spec.approvers)
                hits.append(Hit("approval_pending", f"go/no-go {_label(after, spec.id)} is "
                                f"waiting for {waiting}", spec.id))
            owner = f" for {spec.owner}" if spec.owner else ""
            hits.append(Hit("item_ready", f"{_label(after, spec.id)} is ready{owner}", spec.id))
    if before is not None:
        for phase in after.project.template.phases:
            if phase.items and gate(after, phase.id).complete and not gate(before, phase.id).complete:
                hits.append(Hit("gate_passed", f"gate of phase {phase.id} passed",
                                phase=phase.id))
        if after.point_of_no_return_passed() and not before.point_of_no_return_passed():
            hits.append(Hit("point_of_no_return", "point of no return passed"
                            + (f" at {_label(after, item)}" if item else ""), item))
    simple = {EventKind.WINDOW_OPENED: "window_opened", EventKind.WINDOW_CLOSED: "window_closed",
              EventKind.ROLLBACK_STARTED: "rollback_started",
              EventKind.ROLLBACK_FINISHED: "rollback_finished"}
    if event.kind in simple:
        hits.append(Hit(simple[event.kind], event_text(event)))
    if event.kind is EventKind.METRIC_RECORDED and item is not None:
        status = metric_status(after.specs[item], after.items[item])
        if status.met is False:
            hits.append(Hit("metric_off_target", f"{_label(after, item)}: reading "
                            f"{status.latest} is off target {status.target}", item))
    return hits


# --- rules ----------------------------------------------------------------------------

def _passes(rule: NotifyRule, state: ProjectState, hit: Hit) -> bool:
    """The filters: items/owners apply to a notification about an item, phases to one
    about an item or a phase; one about the whole project passes them."""
    spec = state.specs.get(hit.item) if hit.item else None
    if rule.items and spec is not None and spec.id not in rule.items:
        return False
    if rule.owners and spec is not None and spec.owner not in rule.owners:
        return False
    phase = spec.phase if spec is not None else hit.phase
    return not (rule.phases and phase is not None and phase not in rule.phases)


def _wants(rule: NotifyRule, trigger: str) -> bool:
    return any(parse_trigger(t)[0] == trigger for t in rule.on)


def _targets(rule: NotifyRule, state: ProjectState) -> Iterator[int]:
    """Indexes of the rule's targets; a rehearsal sends only to ``rehearsal: true`` ones."""
    for n, target in enumerate(rule.to):
        if target.rehearsal or not state.project.is_rehearsal:
            yield n


def _document(state: ProjectState, key: str, rule: NotifyRule, hit: Hit, at: datetime,
              event: Event | None) -> dict[str, Any]:
    project = state.project
    item: dict[str, Any] | None = None
    if hit.item and hit.item in state.specs:
        spec = state.specs[hit.item]
        item = {"id": spec.id, "title": one_line(spec.title), "phase": spec.phase,
                "kind": spec.kind, "owner": one_line(spec.owner),
                "status": state.items[spec.id].status.value}
    name = one_line(project.name)
    return {
        "key": key,
        "project": {"id": project.id, "name": name, "rehearsal": project.is_rehearsal},
        "trigger": hit.trigger,
        "rule": rule.id,
        "severity": _SEVERITY.get(hit.trigger, "info"),
        "title": f"{name}: {one_line(hit.title)}",
        "at": iso(at),
        "seq": event.seq if event is not None else None,
        "event": None if event is None else {
            "seq": event.seq, "kind": str(event.kind), "by": one_line(event.by.who()),
            "at": iso(event.at), "text": one_line(event_text(event))},
        "item": item,
        "phase": hit.phase or (item["phase"] if item else None),
    }


def _notifications(state: ProjectState, rule: NotifyRule, hit: Hit, stem: str, at: datetime,
                   event: Event | None, item_suffix: bool) -> list[Notification]:
    out = []
    for n in _targets(rule, state):
        key = f"{stem}:{rule.id}:{n}" + (f":{hit.item or '-'}" if item_suffix else "")
        out.append(Notification(key, rule.id, n, target_to_dict(rule.to[n]),
                                _document(state, key, rule, hit, at, event)))
    return out


def event_notifications(before: ProjectState | None, event: Event,
                        after: ProjectState) -> list[Notification]:
    """The notifications ``event`` makes due under the rules of ``after`` (a rule fires
    only for events after the one that added it). Per rule, target and item, the first
    trigger of the rule's ``on`` list that fired wins (no double message)."""
    hits = event_hits(before, event, after)
    if not hits:
        return []
    out: list[Notification] = []
    for rule in after.notify_rules:
        if event.seq <= rule.since:
            continue
        seen: set[str | None] = set()
        order = [parse_trigger(t)[0] for t in rule.on]
        for hit in sorted(hits, key=lambda h: order.index(h.trigger) if h.trigger in order else 99):
            target_item = hit.item or hit.phase
            if hit.trigger not in order or target_item in seen or not _passes(rule, after, hit):
                continue
            seen.add(target_item)
            out.extend(_notifications(after, rule, hit, f"{after.id}:{event.seq}", event.at,
                                      event, True))
    return out


# --- the clock ------------------------------------------------------------------------

def time_notifications(state: ProjectState, schedule: Schedule,
                       now: datetime) -> list[Notification]:
    """Late items and an approaching rollback decide-by, at ``now`` (the caller's clock)."""
    out: list[Notification] = []
    for rule in state.notify_rules:
        for trigger in rule.on:
            name, lead = parse_trigger(trigger)
            if name == "item_late":
                for late in schedule.late:
                    hit = Hit("item_late", f"{_label(state, late.item)} is late: {late.reason}",
                              late.item)
                    if _passes(rule, state, hit):
                        stem = f"{state.id}:late:{late.item}:{state.items[late.item].last_seq}"
                        out.extend(_notifications(state, rule, hit, stem, now, None, False))
            elif name == "decide_by":
                out.extend(_decide_by(state, schedule, now, rule, lead))
    return out


def _decide_by(state: ProjectState, schedule: Schedule, now: datetime, rule: NotifyRule,
               lead: int) -> list[Notification]:
    moment = schedule.rollback_decide_by
    if (moment is None or schedule.window_end is None or state.closed_at is not None
            or now < moment - timedelta(seconds=lead)):
        return []
    left = (moment - now).total_seconds()
    when = moment.strftime("%H:%M UTC")
    title = (f"decide on a rollback by {when} (in {max(0, int(left // 60))} min)" if left > 0
             else f"the rollback decide-by time {when} has passed")
    hit = Hit("decide_by", title)
    stem = f"{state.id}:decide_by:{lead}:{iso(schedule.window_end)}"
    return _notifications(state, rule, hit, stem, now, None, False)

