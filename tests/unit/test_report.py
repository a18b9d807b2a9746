"""updeck.models.report: the export a change manager attaches to the change record."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from updeck.models.commands import (
    AddNote,
    CloseWindow,
    Command,
    CreateProject,
    DecideApproval,
    ItemAction,
    MoveItem,
    OpenWindow,
    RecordCost,
    RecordMetric,
    RecordVerification,
)
from updeck.models.engine import decide, fold
from updeck.models.event_text import event_text
from updeck.models.events import Event, Operator
from updeck.models.phases import PHASE_IDS
from updeck.models.project import Window, instantiate
from updeck.models.report import FORMATS, build_report
from updeck.models.schedule import compute_schedule
from updeck.models.state import ProjectState
from updeck.models.template import ItemSpec, PhaseSpec, Template
from updeck.tui.cli.export import CSV_COLUMNS, render

T = datetime(2030, 3, 1, 22, 0, tzinfo=UTC)
ANA = Operator("ana", "jump1")
BEN = Operator("ben", "jump2", "10.1.1.1")


def spec(item_id: str, phase: str, **fields: Any) -> ItemSpec:
    for name in ("depends_on", "approvers", "covers"):
        if name in fields:
            fields[name] = tuple(fields[name])
    fields.setdefault("title", f"Do {item_id}")
    return ItemSpec(id=item_id, phase=phase, **fields)


ITEMS = (
    spec("inventory", "assess", estimate=1800, cost=100.0, owner="dba"),
    spec("nice-to-have", "assess", required=False),
    spec("req-a", "requirements", priority="must", title="Keep <orders> & | pipes"),
    spec("req-b", "requirements", priority="should", title="=1+2 stays a sum"),
    spec("rehearse", "test", covers=["req-a"], depends_on=["inventory"], estimate=3600,
         verify="./check.sh"),
    spec("announce", "communicate", kind="comms", due=-86400, audience="all users"),
    spec("go", "execute", kind="approval", approvers=["change-manager", "app-owner"],
         depends_on=["rehearse"]),
    spec("stop", "execute", depends_on=["go"], estimate=600, rollback="start again",
         rollback_estimate=300, at=0),
    spec("latency", "monitor", kind="metric", baseline="120ms", target="<= 150ms"),
)


class Story:
    def __init__(self) -> None:
        by_phase = {p: tuple(s for s in ITEMS if s.phase == p) for p in PHASE_IDS}
        template = Template(id="tpl", name="Plan", version="3.1",
                            phases=tuple(PhaseSpec(p, items=i) for p, i in by_phase.items() if i))
        project = instantiate(template, "Billing =SUM(A1)", window=Window(T, T + timedelta(hours=4)),
                              project_id="billing-000001")
        self.clock = T - timedelta(days=3)
        self.events: list[Event] = []
        self.do(CreateProject(project=project, by=ANA, at=self.clock))

    def do(self, command: Command) -> None:
        state = fold(self.events) if self.events else None
        result = decide(state, command)
        assert isinstance(result, list), result
        self.events.extend(result)

    def at(self, minutes: float = 10) -> datetime:
        self.clock += timedelta(minutes=minutes)
        return self.clock

    def move(self, item: str, action: ItemAction, reason: str = "", by: Operator = ANA,
             minutes: float = 10) -> None:
        self.do(MoveItem(item=item, action=action, reason=reason, by=by, at=self.at(minutes)))

    @property
    def state(self) -> ProjectState:
        return fold(self.events)


@pytest.fixture
def story() -> Story:
    s = Story()
    s.move("inventory", ItemAction.START)
    s.move("inventory", ItemAction.DONE, minutes=45)  # 15m over its 30m estimate
    s.do(RecordCost(item="inventory", amount=130.0, note="invoice", by=BEN, at=s.at()))
    s.move("nice-to-have", ItemAction.SKIP, "not needed for | this <upgrade>", by=BEN)
    s.move("req-a", ItemAction.DONE)
    s.move("rehearse", ItemAction.START)
    s.do(RecordVerification(item="rehearse", command="./check.sh", exit_code=2,
                            output_tail="row count differs\n", duration=3.2, host="jump1",
                            by=ANA, at=s.at()))
    s.move("rehearse", ItemAction.FAIL, "row counts differ", by=BEN)
    s.do(AddNote(text="=HYPERLINK(\"http://evil\") <script>x</script>", by=BEN, at=s.at()))
    s.do(RecordMetric(item="latency", value="140ms", by=ANA, at=s.at()))
    s.do(OpenWindow(by=ANA, at=s.at()))
    s.do(CloseWindow(by=ANA, at=s.at(60)))
    return s


def report(story: Story, now: datetime | None = None) -> dict[str, Any]:
    state = story.state
    now = now or story.clock
    return build_report(state, compute_schedule(state, now), story.events, now)


def test_report_data_plan_against_actuals(story: Story) -> None:
    data = report(story)
    assert data["project"]["id"] == "billing-000001"
    assert data["project"]["template_version"] == "3.1"
    items = {i["id"]: i for i in data["items"]}
    inv = items["inventory"]
    assert inv["status"] == "done" and inv["estimate"] == 1800
    assert inv["actual_duration"] == 45 * 60 and inv["variance"] == 15 * 60
    assert inv["cost_planned"] == 100.0 and inv["cost_actual"] == 130.0
    assert items["stop"]["planned_start"] == T.isoformat()
    assert items["stop"]["planned_finish"] == (T + timedelta(minutes=10)).isoformat()
    phases = {p["id"]: p for p in data["phases"]}
    assert phases["assess"]["gate"] == "passed" and phases["assess"]["skipped"] == 1
    assert phases["test"]["gate"] == "open" and phases["test"]["failed"] == 1
    assert data["summary"]["current_phase"] == "requirements"  # req-b is still open
    assert data["window"]["planned_duration"] == 4 * 3600
    assert data["window"]["actual_duration"] == 3600


def test_report_decisions_reasons_budget_traceability_metrics(story: Story) -> None:
    story.move("rehearse", ItemAction.REOPEN, "fixed the counts")
    story.move("rehearse", ItemAction.DONE)
    story.do(DecideApproval(item="go", go=True, approver="change-manager", note="fine", by=ANA,
                            at=story.at()))
    data = report(story)
    assert data["skipped"] == [{"item": "nice-to-have", "phase": "assess", "title": "Do nice-to-have",
                                "reason": "not needed for | this <upgrade>", "by": "ben",
                                "at": data["skipped"][0]["at"], "required": False}]
    approval = data["approvals"][0]
    assert approval["item"] == "go" and approval["pending"] == ["app-owner"]
    assert approval["decisions"][0] | {"at": None} == {"approver": "change-manager", "decision": "go",
                                                       "by": "ana", "who": "ana", "at": None,
                                                       "note": "fine", "changed_from": None}
    assert data["budget"]["planned"] == 100.0 and data["budget"]["actual"] == 130.0
    assert data["budget"]["difference"] == 30.0
    trace = {r["requirement"]: r for r in data["traceability"]}
    # rehearse is done, but its last verification failed: the must is not covered.
    assert trace["req-a"]["status"] == "not yet passed" and trace["req-a"]["gap"] is True
    assert trace["req-b"]["status"] == "no test" and trace["req-b"]["gap"] is False
    metric = data["metrics"][0]
    assert metric["latest"] == "140ms" and metric["verdict"] == "met"
    assert data["verifications"][0]["exit_code"] == 2
    last = story.events[-1]
    assert data["log_chain"] == {"intact": True, "events": len(story.events), "problem": None,
                                 "last_hash": last.hash,
                                 "head": f"#{last.seq} sha256:{last.hash[:16]}…"}


def test_every_format_renders_and_json_round_trips(story: Story) -> None:
    state = story.state
    now = story.clock
    schedule = compute_schedule(state, now)
    for fmt in FORMATS:
        text = render(fmt, state, schedule, story.events, now)
        assert text.endswith("\n") and len(text) > 200, fmt
    data = json.loads(render("json", state, schedule, story.events, now))
    assert data == json.loads(json.dumps(build_report(state, schedule, story.events, now)))
    with pytest.raises(ValueError, match="pdf"):
        render("pdf", state, schedule, story.events, now)


def test_csv_one_row_per_item_and_no_formulas(story: Story) -> None:
    state = story.state
    text = render("csv", state, compute_schedule(state, story.clock), story.events, story.clock)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["id"] for r in rows] == [s.id for s in ITEMS]
    rehearse = next(r for r in rows if r["id"] == "rehearse")
    assert rehearse["status"] == "failed" and rehearse["reason"] == "row counts differ"
    assert rehearse["verification"] == "failed (exit 2, expected 0)"
    assert next(r for r in rows if r["id"] == "inventory")["variance"] == "'+15m"
    assert next(r for r in rows if r["id"] == "req-b")["title"] == "'=1+2 stays a sum"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "@", "+", "-", "\t", "\r")), value


@pytest.mark.parametrize("cell", ["+1+HYPERLINK(\"http://evil\")", "-1+cmd|' /C calc'!A0",
                                  "=1+2", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_guards_every_formula_start(cell: str) -> None:
    from updeck.tui.cli.export.csv_table import csv_safe as _csv_safe

    assert _csv_safe(cell) == "'" + cell
    assert _csv_safe(12) == 12 and _csv_safe("12") == "12"


def test_markdown_escapes_table_cells(story: Story) -> None:
    state = story.state
    md = render("md", state, compute_schedule(state, story.clock), story.events, story.clock)
    assert "not needed for \\| this &lt;upgrade&gt;" in md
    assert "<script>" not in md and "&lt;script&gt;x&lt;/script&gt;" in md
    for line in md.splitlines():
        if line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line)
            assert len(cells) >= 3, line
    for heading in ("## Summary", "## Window", "## Phases: plan against actuals", "## Late items",
                    "## Approvals", "## Skipped items", "## Failed items",
                    "## Budget: planned against actual",
                    "## Requirements traceability", "## Metrics against targets", "## Verifications",
                    "## Status log"):
        assert heading in md


def test_html_is_self_contained_and_escaped(story: Story) -> None:
    state = story.state
    page = render("html", state, compute_schedule(state, story.clock), story.events, story.clock)
    lowered = page.lower()
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and page.rstrip().endswith("</html>")
    assert "<script" not in lowered and "<link" not in lowered and "@import" not in lowered
    assert not re.search(r"\b(src|href)\s*=", lowered)
    assert "url(" not in lowered
    assert "&lt;script&gt;" in page and "Keep &lt;orders&gt; &amp; | pipes" in page
    # The note's http text is escaped text, never a link.
    assert "=HYPERLINK(&quot;http://evil&quot;)" in page


def test_broken_chain_is_reported(story: Story) -> None:
    events = list(story.events)
    events[3] = replace(events[3], payload={"reason": "rewritten"})
    state = story.state
    data = build_report(state, compute_schedule(state, story.clock), events, story.clock)
    assert data["log_chain"]["intact"] is False
    assert "#4" in data["log_chain"]["problem"]
    md = render("md", state, compute_schedule(state, story.clock), events, story.clock)
    assert "BROKEN" in md


def test_late_items_and_running_reported(story: Story) -> None:
    story.move("req-b", ItemAction.DONE)
    story.move("rehearse", ItemAction.START)
    now = story.clock + timedelta(hours=3)  # running 3h against a 1h estimate
    data = report(story, now)
    late = {entry["item"]: entry["reason"] for entry in data["late"]}
    assert "rehearse" in late and "estimate 1h" in late["rehearse"]
    assert next(i for i in data["items"] if i["id"] == "rehearse")["late"] is True


def test_event_text_for_every_kind(story: Story) -> None:
    texts = [event_text(e) for e in story.events]
    assert texts[0] == "project 'Billing =SUM(A1)' created from template tpl 3.1"
    assert "started" in texts and "done" in texts
    assert "skipped: not needed for | this <upgrade>" in texts
    assert any(t.startswith("verification failed (exit 2, expected 0) in 3.2s on jump1") for t in texts)
    assert any(t.startswith("cost 130.00") for t in texts)
    assert "reading 140ms" in texts
    assert texts[-2:] == ["cutover window opened", "cutover window closed"]


def test_items_that_finished_after_their_due_time_are_late(story: Story) -> None:
    story.move("announce", ItemAction.DONE, minutes=2 * 24 * 60)  # T-1d was the deadline
    assert story.clock > T - timedelta(days=1)
    data = report(story)
    late = {entry["item"]: entry for entry in data["late"]}
    assert late["announce"]["open"] is False
    assert "after its due time (T-1d)" in late["announce"]["reason"]
    row = next(i for i in data["items"] if i["id"] == "announce")
    assert row["late"] is True and row["late_open"] is False


def test_every_format_is_free_of_control_characters(story: Story) -> None:
    story.do(AddNote(text="evil \x1b]0;t\x07 \x9b2J \u202eexe", by=BEN, at=story.at()))
    state = story.state
    controls = {*map(chr, range(0x20)), *map(chr, range(0x7F, 0xA0))} - {"\n"}
    for fmt in ("md", "html", "json", "csv"):
        text = render(fmt, state, compute_schedule(state, story.clock), story.events, story.clock)
        assert not controls & set(text), fmt
        assert "\u202e" not in text, fmt
        assert fmt == "csv" or "202e" in text, fmt  # the note is there, made visible
