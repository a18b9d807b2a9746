"""Notification rules, the trigger matcher and the payload shapes (pure; no disk)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from updeck.models.commands import (
    ChangeNotifyRules,
    ChangeTeam,
    CloseWindow,
    CreateProject,
    DecideApproval,
    ItemAction,
    MoveItem,
    OpenWindow,
    RecordMetric,
    RecordNotifyOutcomes,
    StartRollback,
)
from updeck.models.engine import apply, decide, fold
from updeck.models.events import Event
from updeck.models.notify_match import Notification, event_notifications, time_notifications
from updeck.models.notify_payload import webhook_body
from updeck.models.notify_rules import (
    NotifyRule,
    NotifyTarget,
    parse_trigger,
    rule_from_dict,
    rule_problem,
    rule_to_dict,
    target_problem,
)
from updeck.models.runs import rehearsal_of
from updeck.models.schedule import compute_schedule
from updeck.models.state import ProjectState

from tests.support.engine import ALICE, BOB, T0, Driver, item

A = ItemAction
HOOK = NotifyTarget("webhook", "${HOOK}")


def rule(rule_id: str, *on: str, to: tuple[NotifyTarget, ...] = (HOOK,), **filters: tuple[str, ...]
         ) -> NotifyRule:
    return NotifyRule(rule_id, on, to, **filters)


def notes_of(events: list[Event], start: ProjectState | None = None) -> list[Notification]:
    """Every notification the events make due, replayed one by one as the sender does."""
    out: list[Notification] = []
    before = start
    for event in events:
        after = apply(before, event)
        out.extend(event_notifications(before, event, after))
        before = after
    return out


def driver(*rules: NotifyRule) -> Driver:
    d = Driver(item("a", owner="dba"), item("b", depends_on=("a",)),
               item("go", kind="approval", approvers=("cab",), depends_on=("a",)),
               item("m", phase="monitor", kind="metric", target="<= 150ms"))
    for r in rules:
        d.ok(ChangeNotifyRules, rule=r)
    return d


# --- rules ------------------------------------------------------------------------------

def test_triggers_parse_with_their_argument() -> None:
    assert parse_trigger("item_failed") == ("item_failed", 0)
    assert parse_trigger("decide_by 30m") == ("decide_by", 1800)
    assert parse_trigger("item-failed") == ("item_failed", 0)
    for bad in ("nope", "decide_by", "decide_by soon", "item_failed 3m", ""):
        with pytest.raises(ValueError):
            parse_trigger(bad)


def test_a_webhook_url_must_be_a_secret_reference_unless_it_is_loopback() -> None:
    assert target_problem(NotifyTarget("webhook", "${SLACK_URL}")) is None
    assert target_problem(NotifyTarget("webhook", "https://hooks.example/${TOKEN}")) is None
    assert target_problem(NotifyTarget("webhook", "file:/etc/updeck/slack.url")) is None
    assert target_problem(NotifyTarget("webhook", "http://127.0.0.1:8080/x")) is None
    refused = target_problem(NotifyTarget("webhook", "https://hooks.slack.com/services/T/B/X"))
    assert refused is not None and "${ENV_NAME}" in refused
    assert target_problem(NotifyTarget("file", "relative.jsonl")) is not None
    assert target_problem(NotifyTarget("command", "cat", shape="slack")) is not None


def test_rules_round_trip_and_are_checked_against_the_project() -> None:
    r = NotifyRule("r1", ("item_failed", "decide_by 30m"),
                   (NotifyTarget("webhook", "${X}", "teams", 5, True),
                    NotifyTarget("file", "/tmp/a.jsonl")), ("a",), ("execute",), ("dba",), 7)
    assert rule_from_dict(rule_to_dict(r)) == r
    assert rule_problem(r, ["a"], ["execute"]) is None
    assert "no item" in (rule_problem(r, ["b"], ["execute"]) or "")


def test_adding_and_removing_rules_are_log_events_and_fold() -> None:
    d = driver(rule("r1", "item_failed"))
    assert [r.id for r in d.state.notify_rules] == ["r1"]
    assert "already has" in d.no(ChangeNotifyRules, rule=rule("r1", "item_failed")).reason
    d.ok(ChangeNotifyRules, remove="r1")
    assert d.state.notify_rules == ()
    assert d.no(ChangeNotifyRules, remove="r1").not_found
    assert fold(d.events).notify_rules == d.state.notify_rules


def test_with_a_team_only_a_lead_changes_the_rules() -> None:
    d = driver()
    d.ok(ChangeTeam, user="alice", role="dba")  # a team exists, with no lead role
    refused = d.no(ChangeNotifyRules, rule=rule("r", "item_failed"), by=BOB)
    assert "only a lead" in refused.reason


# --- the matcher ------------------------------------------------------------------------

def test_failure_pending_approval_and_window_fire_once_each_with_stable_keys() -> None:
    d = driver(rule("r", "item_failed", "approval_pending", "window_opened"))
    start = len(d.events)
    d.move("a", A.START)
    d.move("a", A.FAIL, "disk full")
    d.move("a", A.REOPEN, "retry")
    d.move("a", A.START)
    d.move("a", A.DONE)
    d.ok(OpenWindow)
    notes = notes_of(d.events[start:], fold(d.events[:start]))
    assert [n.document["trigger"] for n in notes] == ["item_failed", "approval_pending",
                                                      "window_opened"]
    assert len({n.key for n in notes}) == 3
    again = notes_of(d.events)  # replayed from the start: the same keys
    assert [n.key for n in again] == [n.key for n in notes]
    failed = notes[0].document
    assert failed["item"]["id"] == "a" and "disk full" in failed["title"]
    assert failed["event"]["seq"] == d.events[start + 1].seq


def test_a_rule_fires_only_for_events_after_it_was_added() -> None:
    d = driver()
    d.move("a", A.START)
    d.move("a", A.FAIL, "early")
    d.ok(ChangeNotifyRules, rule=rule("late", "item_failed", "every_event"))
    d.move("a", A.REOPEN, "retry")
    notes = notes_of(d.events)
    assert [n.document["trigger"] for n in notes] == ["every_event"]


def test_one_notification_per_item_and_target_even_when_several_triggers_fire() -> None:
    d = driver(rule("r", "item_failed", "every_event"))
    start = len(d.events)
    d.move("a", A.START)
    d.move("a", A.FAIL, "x")
    notes = notes_of(d.events[start:], fold(d.events[:start]))
    assert [n.document["trigger"] for n in notes] == ["every_event", "item_failed"]


def test_filters_by_item_phase_and_owner() -> None:
    d = driver(rule("mine", "item_ready", owners=("dba",)),
               rule("other", "item_ready", items=("b",)),
               rule("mon", "metric_off_target", phases=("monitor",)))
    start = len(d.events)
    d.move("a", A.START)
    d.move("a", A.DONE)
    d.ok(RecordMetric, item="m", value="200ms")
    notes = notes_of(d.events[start:], fold(d.events[:start]))
    got = {(n.rule, n.document["item"]["id"]) for n in notes}
    assert got == {("other", "b"), ("mon", "m")}


def test_notification_events_never_notify_and_outcomes_change_no_state() -> None:
    d = driver(rule("all", "every_event"))
    start = len(d.events)
    d.ok(RecordNotifyOutcomes, delivered=({"key": "k", "target": "all#1"},))
    assert notes_of(d.events[start:], fold(d.events[:start])) == []


def test_a_rehearsal_notifies_only_targets_marked_rehearsal() -> None:
    both = rule("r", "window_opened", to=(HOOK, NotifyTarget("file", "/tmp/r.jsonl",
                                                             rehearsal=True)))
    run = rehearsal_of(driver().state.project, "dry run", project_id="test-r00001")
    created = decide(None, CreateProject(project=run, by=ALICE, at=T0))
    assert isinstance(created, list)
    state = fold(created)
    notes: list[Notification] = []
    for command in (ChangeNotifyRules(rule=both, by=ALICE, at=T0), OpenWindow(by=ALICE, at=T0)):
        events = decide(state, command)
        assert isinstance(events, list)
        for event in events:
            before, state = state, apply(state, event)
            notes.extend(event_notifications(before, event, state))
    assert [n.target_index for n in notes] == [1]
    assert notes[0].document["project"]["rehearsal"] is True


def test_other_event_triggers() -> None:
    d = driver(rule("r", "approval_decided", "gate_passed", "rollback_started",
                    "window_closed"))
    start = len(d.events)
    d.move("a", A.START)
    d.move("a", A.DONE)
    d.ok(DecideApproval, item="go", go=True, approver="cab")
    d.ok(OpenWindow)
    d.ok(StartRollback, reason="smoke test failed")
    d.ok(CloseWindow)
    triggers = [n.document["trigger"] for n in notes_of(d.events[start:], fold(d.events[:start]))]
    assert triggers == ["approval_decided", "rollback_started", "window_closed"]


def test_time_triggers_use_the_given_clock_and_keys_stay_the_same() -> None:
    d = Driver(item("slow", estimate=600), item("undo", estimate=60, rollback="put back",
                                                rollback_estimate=3600))
    d.ok(ChangeNotifyRules, rule=rule("t", "item_late", "decide_by 30m"))
    d.ok(OpenWindow)
    d.move("undo", A.START)
    d.move("undo", A.DONE)
    d.move("slow", A.START)
    early = d.at + timedelta(minutes=5)
    assert time_notifications(d.state, compute_schedule(d.state, early), early) == []
    # the window ends at T0+4h, the backout takes 1h: decide by T0+3h; 30 min before that
    late = d.state.window.end - timedelta(hours=1, minutes=20)  # type: ignore[operator]
    due = time_notifications(d.state, compute_schedule(d.state, late), late)
    assert sorted(n.document["trigger"] for n in due) == ["decide_by", "item_late"]
    later = late + timedelta(minutes=5)
    assert ({n.key for n in time_notifications(d.state, compute_schedule(d.state, later), later)}
            == {n.key for n in due})


# --- payloads ---------------------------------------------------------------------------

def _failed_note(title: str) -> Notification:
    d = Driver(item("a"))
    d.ok(ChangeNotifyRules, rule=rule("r", "item_failed"))
    d.move("a", A.START)
    d.move("a", A.FAIL, title)
    (note,) = notes_of(d.events)
    return note


def test_slack_teams_and_mattermost_shapes() -> None:
    doc = _failed_note("disk <full> & gone").document
    slack = webhook_body(doc, "slack")
    assert isinstance(slack["text"], str) and "&lt;full&gt; &amp;" in slack["text"]
    assert [b["type"] for b in slack["blocks"]] == ["section", "context"]
    assert slack["blocks"][0]["text"]["type"] == "mrkdwn"
    assert doc["key"] in slack["blocks"][1]["elements"][0]["text"]
    teams = webhook_body(doc, "teams")
    assert teams["type"] == "message"
    (attachment,) = teams["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] and card["body"][0]["type"] == "TextBlock"
    assert {"title": "key", "value": doc["key"]} in card["body"][1]["facts"]
    assert webhook_body(doc, "mattermost")["text"].startswith("**")
    assert webhook_body(doc, "generic") is doc


def test_every_text_in_every_shape_is_sanitised() -> None:
    doc = _failed_note("\x1b[2Jwiped\u202eevil\nsecond line").document
    for shape in ("generic", "slack", "teams", "mattermost"):
        text = json.dumps(webhook_body(doc, shape), ensure_ascii=False)
        assert "\x1b" not in text and "\u202e" not in text, shape
        assert "\\\\x1b" in text or "\\x1b" in text


@given(st.lists(st.sampled_from(["start", "done", "fail", "reopen", "block", "unblock"]),
                max_size=25))
def test_keys_are_unique_and_the_same_on_every_replay(moves: list[str]) -> None:
    d = driver(rule("r", "item_failed", "item_blocked", "item_ready", "every_event"),
               rule("s", "approval_pending", "gate_passed"))
    for move in moves:
        for target in ("a", "b"):
            d.run(MoveItem, item=target, action=A(move), reason="because")
    first = [n.key for n in notes_of(d.events)]
    assert len(first) == len(set(first))
    assert [n.key for n in notes_of(d.events)] == first
