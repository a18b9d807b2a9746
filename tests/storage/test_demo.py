"""updeck.storage.demo: the demo project behind ``updeck demo``, with its history."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from updeck.models.events import EventKind
from updeck.models.schedule import compute_schedule
from updeck.models.state import ItemStatus
from updeck.storage.demo import DEMO_ID, ensure_demo
from updeck.storage.locations import SHIPPED_TEMPLATES
from updeck.storage.repository import Repository
from updeck.storage.templates import find_template, load_template_text

from tests.support.cli import MINI_TEMPLATE

NOW = datetime(2030, 4, 2, 20, 0, tzinfo=UTC)


def test_demo_from_a_small_template(tmp_path: Path) -> None:
    repo = Repository(tmp_path)
    template = load_template_text(MINI_TEMPLATE, "mini.yaml").template
    assert ensure_demo(repo, now=NOW, template=template) == DEMO_ID
    state = repo.load(DEMO_ID)
    events = repo.events(DEMO_ID)
    assert repo.check_log(DEMO_ID) is None
    assert all(a.at <= b.at for a, b in itertools.pairwise(events)), "history in time order"
    assert events[-1].at <= NOW
    assert state.window.start is not None and state.window.start > NOW  # T-minus
    assert state.items["optional-check"].status is ItemStatus.SKIPPED
    assert state.items["optional-check"].reason
    assert state.items["inventory"].status is ItemStatus.DONE
    assert state.items["inventory"].actual_cost is not None
    assert len({e.by.user for e in events}) >= 3
    # Made once: a second call changes nothing; --reset makes it anew.
    assert ensure_demo(repo, now=NOW, template=template) == DEMO_ID
    assert len(Repository(tmp_path).events(DEMO_ID)) == len(events)
    later = NOW + timedelta(days=2)
    ensure_demo(repo, reset=True, now=later, template=template)
    fresh = Repository(tmp_path).load(DEMO_ID)
    assert fresh.window.start is not None and fresh.window.start > later
    assert fresh.seq == state.seq  # the same story, told again


def test_demo_from_the_crm_sample_tells_the_whole_story(tmp_path: Path) -> None:
    repo = Repository(tmp_path)
    assert ensure_demo(repo, now=NOW) == DEMO_ID
    state = repo.load(DEMO_ID)
    events = repo.events(DEMO_ID)
    assert state.project.template_id == "crm-upgrade"
    assert state.project.template_sha256 == find_template(
        "crm-upgrade", search_path=[SHIPPED_TEMPLATES]).sha256
    assert repo.check_log(DEMO_ID) is None
    phases = {spec.phase for spec in state.specs.values()}
    for phase in ("assess", "requirements", "plan"):
        if phase in phases:
            runs = [state.items[s.id] for s in state.specs.values() if s.phase == phase]
            assert all(r.status in (ItemStatus.DONE, ItemStatus.SKIPPED) for r in runs), phase
    skipped = [r for r in state.items.values() if r.status is ItemStatus.SKIPPED]
    assert skipped and all(r.reason for r in skipped)
    decisions = [e for e in events if e.kind is EventKind.APPROVAL_DECIDED]
    assert len({e.by.user for e in decisions}) >= 2
    checks = [e.payload["exit_code"] for e in events if e.kind is EventKind.VERIFICATION_RECORDED]
    assert 0 in checks and any(code != 0 for code in checks)
    assert any(e.kind is EventKind.COST_RECORDED for e in events)
    assert sum(e.kind is EventKind.NOTE for e in events) >= 2
    test_runs = [state.items[s.id].status for s in state.specs.values() if s.phase == "test"]
    assert ItemStatus.DONE in test_runs and ItemStatus.IN_PROGRESS in test_runs
    assert ItemStatus.TODO in test_runs or ItemStatus.IN_PROGRESS in test_runs
    schedule = compute_schedule(state, NOW)
    assert schedule.running and schedule.late
    assert len({e.by.user for e in events}) >= 4
