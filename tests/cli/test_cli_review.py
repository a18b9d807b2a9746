"""updeck review on a project walked by the engine with known durations, and note --lesson."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from updeck.models.commands import (
    AddNote,
    CloseWindow,
    ItemAction,
    OpenWindow,
    RecordCost,
    RecordMetric,
)
from updeck.models.project import Window, instantiate
from updeck.storage.repository import Repository
from updeck.storage.templates import load_template_file

from tests.support.cli import Cli
from tests.support.runs import RunDriver

T0 = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)


def walked(cli: Cli) -> str:
    loaded = load_template_file(cli.templates / "mini.yaml", search_path=[cli.templates])
    project = instantiate(loaded.template, "CRM", {"ticket": "CHG-7"},
                          Window(T0, T0 + timedelta(hours=2)), project_id="crm-live-1",
                          sources_sha256=loaded.sha256)
    d = RunDriver(project, T0 - timedelta(days=2))
    d.work("inventory", 1800)
    d.move("optional-check", ItemAction.SKIP, "nobody asked for it")
    d.work("rehearse", 5400)  # estimate 1h: 30m over
    d.at = T0
    d.do(OpenWindow)
    d.approve("go-no-go", "change-manager", "app-owner")
    d.work("stop-apps", 1500)  # estimate 10m: 15m over
    d.move("upgrade", ItemAction.START)
    d.at += timedelta(minutes=5)
    d.move("upgrade", ItemAction.FAIL, "disk full on db1")
    d.move("upgrade", ItemAction.REOPEN, "disk extended")
    d.work("upgrade", 2400)
    d.do(RecordMetric, item="latency", value="170ms")
    d.do(RecordCost, item="inventory", amount=250.0)
    d.do(AddNote, text="Order extra disk before the night", lesson=True)
    d.do(AddNote, text="just a remark")
    d.do(CloseWindow)
    Repository(cli.db).import_log(d.events)
    return d.state.id


def test_review_names_overruns_problems_approvals_metrics_budget_and_lessons(cli: Cli) -> None:
    project_id = walked(cli)
    data = json.loads(cli.ok("review", project_id, "--format", "json"))
    assert data["outcome"] == "completed"
    assert data["window"]["planned_duration"] == 7200
    overruns = {o["item"]: o for o in data["overruns"]}
    assert list(overruns) == ["rehearse", "stop-apps"]  # the biggest first
    assert overruns["rehearse"]["over"] == 1800 and overruns["stop-apps"]["over"] == 900
    assert overruns["stop-apps"]["critical"]
    problems = [(p["item"], p["status"], p["reason"]) for p in data["problems"]]
    assert ("upgrade", "failed", "disk full on db1") in problems
    assert ("optional-check", "skipped", "nobody asked for it") in problems
    gate = data["approvals"][0]
    assert gate["item"] == "go-no-go" and gate["verdict"] == "go"
    assert {a["approver"]: a["decision"] for a in gate["approvers"]} == {
        "change-manager": "go", "app-owner": "go"}
    assert data["metrics"][0]["latest"] == "170ms" and data["metrics"][0]["met"] is False
    assert data["budget"]["planned"] == 100 and data["budget"]["actual"] == 250
    assert data["budget"]["variance"] == 150
    assert [lesson["text"] for lesson in data["lessons"]] == ["Order extra disk before the night"]
    assert data["rollback"] is None
    assert "inventory" in data["verification"]["done_without_evidence"]

    md = cli.ok("review", project_id, "--format", "md")
    for heading in ("Overruns", "Failures, skips and blocks", "Rollback", "Approvals",
                    "Verification evidence", "Metrics against targets", "Budget", "Lessons"):
        assert f"## {heading}" in md
    assert "| rehearse | test | no | 1h | 1h30m | +30m |" in md
    assert "Order extra disk before the night" in md and "just a remark" not in md
    assert "disk full on db1" in md and "150.00" in md
    page = cli.root / "review.html"
    cli.ok("review", project_id, "--format", "html", "-o", str(page))
    html = page.read_text()
    assert "<script" not in html and "Post-implementation review" in html


def test_note_lesson_is_marked_in_the_log(cli: Cli) -> None:
    project_id = cli.ok("new", "mini", "--name", "CRM", "--var", "ticket=CHG-7").strip()
    out = cli.ok("note", project_id, "--lesson", "Book the vendor earlier")
    assert "lesson: Book the vendor earlier" in out
    data = json.loads(cli.ok("review", project_id, "--format", "json"))
    assert data["lessons"][0]["text"] == "Book the vendor earlier"
    assert data["outcome"] == "not started"


def test_html_export_has_the_timeline_inline(cli: Cli) -> None:
    project_id = walked(cli)
    page = cli.ok("export", project_id, "--format", "html")
    assert "<h2>Timeline: plan against actual</h2>" in page
    figure = page[page.index("<figure>"):page.index("</figure>")]
    assert "<svg" in figure and "◆ stop-apps" in figure and 'class="actual"' in figure
    assert "E window end T+2h" in figure
    lowered = page.lower()
    assert "<script" not in lowered and "http" not in lowered and "href" not in lowered
