"""The dashboard on PostgreSQL through a server restart: another connection's change shows,
the header says the database is gone and writes are held back, and after the server is back
the same dashboard catches up without a restart (tests/support/postgres.py's server)."""

from __future__ import annotations

from pathlib import Path

import pytest
from updeck.models.commands import AddNote

from tests.support.pg_fixtures import new_schema
from tests.support.postgres import PgServer
from tests.support.tui import (
    ALICE,
    BIG,
    BOB,
    FIXED_NOW,
    Clock,
    make_project,
    screen_text,
    wait_for,
    write_templates,
)


@pytest.mark.slow
async def test_the_dashboard_lives_through_a_database_restart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_server: PgServer,
        pg_dsn: str) -> None:
    from updeck.storage.postgres.repository import PgRepository
    from updeck.tui.dashboard.app import UpdeckApp

    templates = write_templates(tmp_path / "templates")
    monkeypatch.setenv("UPDECK_TEMPLATE_PATH", str(templates))
    schema = new_schema(pg_dsn)
    setup = PgRepository(pg_dsn, schema=schema)
    pid = make_project(setup, templates)
    setup.close()

    def bob_says(text: str) -> None:
        other = PgRepository(pg_dsn, schema=schema)  # another host, another connection
        try:
            assert isinstance(other.submit(pid, AddNote(text=text, by=BOB, at=FIXED_NOW)), list)
        finally:
            other.close()

    repo = PgRepository(pg_dsn, schema=schema)
    app = UpdeckApp(repo, project_id=pid, operator=ALICE, now=Clock(), poll_interval=0.1)
    notes: list[str] = []
    original = app.notify
    app.notify = lambda message, **kw: (notes.append(str(message)),  # type: ignore[method-assign]
                                        original(message, **kw))[-1]
    try:
        async with app.run_test(size=BIG) as pilot:
            assert await wait_for(pilot, lambda: pid in app.live)
            bob_says("before the restart")
            assert await wait_for(pilot, lambda: "before the restart" in screen_text(app))

            pg_server.down("fast")
            try:
                assert await wait_for(pilot, lambda: "DATABASE UNREACHABLE" in screen_text(app))
                seq = app.live[pid].seq
                app.submit(pid, AddNote(text="while down", by=ALICE, at=FIXED_NOW))
                assert any("not saved" in n for n in notes)  # held back, not lost silently
                assert "before the restart" in screen_text(app)  # the last state stays
            finally:
                pg_server.up()
            bob_says("after the restart")
            assert await wait_for(pilot, lambda: "after the restart" in screen_text(app))
            assert await wait_for(pilot, lambda: "DATABASE UNREACHABLE" not in screen_text(app))
            assert app.live[pid].seq == seq + 1
    finally:
        repo.close()


@pytest.mark.slow
async def test_a_change_at_another_host_wakes_the_dashboard_through_notify(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_dsn: str) -> None:
    # The poll is set to a minute: the change can only show in time through LISTEN/NOTIFY.
    from updeck.storage.postgres.repository import PgRepository
    from updeck.tui.dashboard.app import UpdeckApp

    templates = write_templates(tmp_path / "templates")
    monkeypatch.setenv("UPDECK_TEMPLATE_PATH", str(templates))
    schema = new_schema(pg_dsn)
    setup = PgRepository(pg_dsn, schema=schema)
    pid = make_project(setup, templates)
    setup.close()
    repo = PgRepository(pg_dsn, schema=schema)
    app = UpdeckApp(repo, project_id=pid, operator=ALICE, now=Clock(), poll_interval=60.0)
    try:
        async with app.run_test(size=BIG) as pilot:
            assert await wait_for(pilot, lambda: pid in app.live)
            other = PgRepository(pg_dsn, schema=schema)  # another host, another connection
            try:
                assert isinstance(other.submit(pid, AddNote(text="from the other site", by=BOB,
                                                            at=FIXED_NOW)), list)
            finally:
                other.close()
            assert await wait_for(pilot, lambda: "from the other site" in screen_text(app))
            assert app.wakeup.wakeups >= 1
    finally:
        repo.close()


async def test_an_open_dashboard_delivers_notifications_on_postgresql(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_dsn: str) -> None:
    """No sender runs: the dashboard takes the lease (a row of notify_lease) and delivers."""
    import json

    from updeck.models.commands import ChangeNotifyRules
    from updeck.models.notify_rules import NotifyRule, NotifyTarget
    from updeck.storage.postgres.repository import PgRepository
    from updeck.tui.dashboard.app import UpdeckApp

    templates = write_templates(tmp_path / "templates")
    monkeypatch.setenv("UPDECK_TEMPLATE_PATH", str(templates))
    monkeypatch.setattr("updeck.tui.dashboard.notify_watch.NOTIFY_EVERY", 0.2)
    archive = tmp_path / "archive.jsonl"
    repo = PgRepository(pg_dsn, schema=new_schema(pg_dsn))
    pid = make_project(repo, templates)
    rule = NotifyRule("arch", ("every_event",), (NotifyTarget("file", str(archive)),))
    repo.submit(pid, ChangeNotifyRules(rule=rule, by=ALICE, at=FIXED_NOW))
    repo.submit(pid, AddNote(text="hello", by=ALICE, at=FIXED_NOW))
    app = UpdeckApp(repo, project_id=pid, operator=ALICE, now=Clock(), poll_interval=0.1)
    try:
        async with app.run_test(size=BIG) as pilot:
            assert await wait_for(pilot, lambda: archive.exists() and any(
                json.loads(line)["event"]["text"] == "note: hello"
                for line in archive.read_text().splitlines()))
            lease = repo.notify_outbox(pid).lease().current()
            assert lease is not None and lease.kind == "dashboard"
            outbox = repo.notify_outbox(pid)
            assert await wait_for(pilot, lambda: any(
                e.status == "delivered" for e in outbox.view().entries.values()))
    finally:
        repo.close()
