"""The repository contract (storage.contract.ProjectRepository), the same tests on both backends:
a data folder of TinyDB files and a PostgreSQL schema (a throwaway server, tests/support/postgres.py).

File-only behaviour (segments, snapshots, damage in files, permissions) is in test_storage.py;
many writer processes in test_storage_processes.py and test_postgres_processes.py."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from updeck.models.commands import AddNote, ItemAction, MoveItem, Refusal
from updeck.models.events import Operator, verify_chain
from updeck.storage.contract import ProjectRepository
from updeck.storage.errors import AmbiguousProject, Busy, ProjectExists, ProjectNotFound
from updeck.storage.feed import Watcher
from updeck.storage.repository import Repository

from tests.support.storage import OPERATOR, T0, make_project

BOB = Operator("bob", "jump1")


def note(text: str, who: Operator = OPERATOR) -> AddNote:
    return AddNote(text=text, by=who, at=T0 + timedelta(minutes=1))


def move(item: str, action: ItemAction, reason: str = "") -> MoveItem:
    return MoveItem(item=item, action=action, reason=reason, by=OPERATOR, at=T0 + timedelta(minutes=2))


@pytest.fixture(params=["files", "postgres"])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProjectRepository]:
    """The same tests against each backend (PostgreSQL: a fresh schema on the worker's server)."""
    made: ProjectRepository
    if request.param == "files":
        made = Repository(tmp_path / "data", segment_size=5)
    else:
        from updeck.storage.postgres.repository import PgRepository

        dsn = request.getfixturevalue("pg_dsn")
        made = PgRepository(dsn, schema=request.getfixturevalue("pg_schema"))
    yield made
    made.close()


def test_both_backends_keep_the_contract(repo: ProjectRepository) -> None:
    assert isinstance(repo, ProjectRepository)


def test_create_submit_load_roundtrip(repo: ProjectRepository) -> None:
    state = repo.create_project(make_project(10, project_id="crm-1"), OPERATOR, T0)
    assert state.seq == 1 and state.id == "crm-1"
    events = repo.submit("crm-1", move("i0001", ItemAction.START))
    assert isinstance(events, list) and events[0].seq == 2
    assert repo.load("crm-1").items["i0001"].status.value == "in_progress"
    other = repo.reopen()
    try:
        assert other.load("crm-1") == repo.load("crm-1")
        assert verify_chain(other.events("crm-1")) is None
        assert [e.seq for e in other.events("crm-1", since_seq=1)] == [2]
        assert other.chain_head("crm-1") == (2, events[-1].hash)
        assert other.check_log("crm-1") is None
    finally:
        other.close()
    with pytest.raises(ProjectExists):
        repo.create_project(make_project(10, project_id="crm-1"), OPERATOR, T0)


def test_refusal_changes_nothing(repo: ProjectRepository) -> None:
    repo.create_project(make_project(5, project_id="p1"), OPERATOR, T0)
    before = repo.reopen()
    result = repo.submit("p1", move("i0001", ItemAction.SKIP))  # no reason
    assert isinstance(result, Refusal)
    assert repo.load("p1").seq == 1
    assert repo.stamp("p1") == before.stamp("p1") and before.events("p1") == repo.events("p1")
    before.close()


def test_resolve(repo: ProjectRepository) -> None:
    repo.create_project(make_project(3, name="CRM upgrade", project_id="crm-upgrade-aa11"), OPERATOR)
    repo.create_project(make_project(3, name="CRM rollback drill", project_id="crm-drill-bb22"), OPERATOR)
    repo.create_project(make_project(3, name="Mail move", project_id="mail-cc33"), OPERATOR)
    assert repo.resolve("crm-upgrade-aa11") == "crm-upgrade-aa11"
    assert repo.resolve("crm-u") == "crm-upgrade-aa11"  # id prefix
    assert repo.resolve("mail") == "mail-cc33"
    assert repo.resolve("crm rollback") == "crm-drill-bb22"  # name prefix, any case
    assert repo.resolve("mail MOVE") == "mail-cc33"  # exact name
    with pytest.raises(AmbiguousProject) as info:
        repo.resolve("crm")
    assert len(info.value.candidates) == 2
    assert any("crm-drill-bb22" in c for c in info.value.candidates)
    with pytest.raises(ProjectNotFound):
        repo.resolve("nope")
    with pytest.raises(ProjectNotFound):
        repo.load("nope")
    assert repo.project_ids() == ["crm-drill-bb22", "crm-upgrade-aa11", "mail-cc33"]
    assert [s.id for s in repo.list_projects()] == repo.project_ids()
    assert repo.project_name("mail-cc33") == "Mail move"
    assert repo.damaged_projects() == []


def test_stamp_refresh_and_watcher_see_another_writer(repo: ProjectRepository) -> None:
    repo.create_project(make_project(4, project_id="p1"), OPERATOR)
    viewer = repo.reopen()
    viewer.load("p1")
    watcher = Watcher(viewer, "p1")
    assert watcher.poll() == []
    stamp = viewer.stamp("p1")
    assert viewer.stamp("p1") == stamp
    for i in range(7):  # crosses a segment boundary (files)
        repo.submit("p1", note(f"n{i}", BOB))
    assert viewer.stamp("p1") != stamp
    state, new = viewer.refresh("p1")
    assert [e.seq for e in new] == list(range(2, 9)) and state.seq == 8
    assert viewer.refresh("p1")[1] == []
    assert [e.seq for e in watcher.poll()] == list(range(2, 9))
    assert watcher.poll() == []
    viewer.submit("p1", note("mine"))
    assert [e.seq for e in viewer.refresh("p1")[1]] == [9]  # own writes come through refresh too
    viewer.close()


def test_a_waiting_follower_wakes_for_another_writer(repo: ProjectRepository) -> None:
    repo.create_project(make_project(4, project_id="p1"), OPERATOR)
    follower = repo.reopen()
    watcher = Watcher(follower, "p1")
    watcher.poll()
    woke: list[bool] = []
    waiting = threading.Thread(target=lambda: woke.append(watcher.wait(timeout=30)))
    waiting.start()
    repo.submit("p1", note("wake up", BOB))
    waiting.join(timeout=30)
    assert woke == [True]
    assert [e.payload["text"] for e in watcher.poll()] == ["wake up"]
    follower.close()


def test_busy_while_another_writer_holds_the_project(repo: ProjectRepository) -> None:
    repo.create_project(make_project(3, project_id="p1"), OPERATOR)
    holder = repo.reopen()
    impatient = repo.reopen(lock_timeout=0.2)
    try:
        with holder.locked("p1"):
            with pytest.raises(Busy) as info:
                impatient.submit("p1", note("blocked"))
            assert "busy" in str(info.value) and "retry" in str(info.value)
            assert impatient.load("p1").seq == 1  # readers do not wait for the lock
        assert isinstance(impatient.submit("p1", note("after")), list)
    finally:
        holder.close()
        impatient.close()


def test_import_log_keeps_every_hash(repo: ProjectRepository, tmp_path: Path) -> None:
    source = Repository(tmp_path / "source")
    source.create_project(make_project(5, project_id="imp"), OPERATOR, T0)
    for i in range(13):
        source.submit("imp", note(f"n{i}"))
    events = source.events("imp")
    state = repo.import_log(events)
    assert state == source.load("imp")
    assert repo.events("imp") == events and repo.check_log("imp") is None
    fresh = repo.reopen()
    assert fresh.events("imp") == events
    assert isinstance(fresh.submit("imp", note("more")), list)
    with pytest.raises(ProjectExists):
        repo.import_log(events)
    fresh.close()
