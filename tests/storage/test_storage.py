"""Storage: the repository, its files, damage handling, snapshots (single process, fast).

Tests with several real processes are in test_storage_processes.py."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from updeck.models.commands import (
    AddNote,
    CloseWindow,
    DecideApproval,
    ItemAction,
    MoveItem,
    OpenWindow,
    PlanWindow,
    RecordCost,
    RecordMetric,
    RecordVerification,
    StartRollback,
)
from updeck.models.engine import fold
from updeck.models.events import Operator
from updeck.models.project import Window
from updeck.storage import atomic_storage, layout, snapshot
from updeck.storage.errors import (
    Busy,
    DamagedProject,
    ProjectExists,
    StorageError,
    WriteFailed,
)
from updeck.storage.repository import Repository, open_repository

from tests.support.storage import OPERATOR, T0, make_project

WRITER = Path(__file__).resolve().parents[1] / "support" / "storage_writer.py"
BOB = Operator("bob", "jump1")


def note(text: str, who: Operator = OPERATOR) -> AddNote:
    return AddNote(text=text, by=who, at=T0 + timedelta(minutes=1))


def move(item: str, action: ItemAction, reason: str = "") -> MoveItem:
    return MoveItem(item=item, action=action, reason=reason, by=OPERATOR, at=T0 + timedelta(minutes=2))


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    return Repository(tmp_path / "data", segment_size=5)


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_segments_roll_over_and_snapshot_opens_the_same_state(repo: Repository) -> None:
    repo.create_project(make_project(10, project_id="p1"), OPERATOR, T0)
    for i in range(22):
        assert isinstance(repo.submit("p1", note(f"n{i}")), list)
    folder = repo.project_dir("p1")
    assert sorted(p.name for p in folder.glob("log-*.json")) == [
        f"log-00000{n}.json" for n in range(1, 6)]
    assert len(list(folder.glob("snap-*.json"))) == 2  # older ones are pruned
    fresh = Repository(repo.data_dir)
    state = fresh.load("p1")
    assert fresh._cache["p1"].base == 20  # opened from the snapshot before segment 5
    assert state == repo.load("p1")
    events = fresh.events("p1")
    assert [e.seq for e in events] == list(range(1, 24))
    assert fold(events) == state
    assert fresh.check_log("p1") is None


def test_sealed_segment_changed_means_full_replay(repo: Repository) -> None:
    repo.create_project(make_project(5, project_id="p1"), OPERATOR, T0)
    for i in range(12):
        repo.submit("p1", note(f"n{i}"))
    seg = repo.project_dir("p1") / "log-000001.json"
    os.utime(seg, ns=(1, 1))  # e.g. restored from a backup: the snapshot is not trusted
    fresh = Repository(repo.data_dir)
    assert fresh.load("p1") == repo.load("p1")
    assert fresh._cache["p1"].base == 0


def test_snapshot_codec_round_trips_a_rich_state(repo: Repository) -> None:
    project = make_project(6, project_id="rich", approvals=1, metrics=1)
    repo.create_project(project, OPERATOR, T0)
    at = T0 + timedelta(minutes=5)
    alice = Operator("alice", "h")
    cmds = [
        PlanWindow(window=Window(T0 + timedelta(hours=1), None), by=alice, at=at),
        OpenWindow(by=alice, at=at),
        MoveItem(item="i0001", action=ItemAction.START, by=alice, at=at),
        MoveItem(item="i0001", action=ItemAction.DONE, by=alice, at=at),
        MoveItem(item="i0002", action=ItemAction.BLOCK, reason="vendor", by=alice, at=at),
        MoveItem(item="i0003", action=ItemAction.FAIL, reason="boom", by=alice, at=at),
        DecideApproval(item="a01", go=True, by=alice, at=at, note="fine"),
        RecordVerification(item="i0004", command="true", exit_code=0, output_tail="ok",
                           duration=0.5, host="h", by=alice, at=at),
        RecordMetric(item="m01", value="142ms", by=alice, at=at),
        RecordCost(item="i0005", amount=12.5, by=alice, at=at),
        StartRollback(reason="abort", by=alice, at=at),
        CloseWindow(by=alice, at=at),
    ]
    for cmd in cmds:
        assert isinstance(repo.submit("rich", cmd), list), cmd
    state = repo.load("rich")
    data = orjson.loads(orjson.dumps(snapshot.encode_state(state)))
    assert snapshot.restore_state(state.project, data) == state


def test_open_repository_uses_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPDECK_DB", str(tmp_path / "env-db"))
    assert open_repository().data_dir == tmp_path / "env-db"
    assert open_repository(str(tmp_path / "x")).data_dir == tmp_path / "x"


@pytest.mark.parametrize(("umask", "file_mode"), [(0o022, 0o664), (0o002, 0o664), (0o077, 0o660)])
def test_permissions_group_rw(tmp_path: Path, umask: int, file_mode: int) -> None:
    old = os.umask(umask)
    atomic_storage._UMASK = None
    try:
        repo = Repository(tmp_path / "data", segment_size=2)
        repo.create_project(make_project(3, project_id="p1"), OPERATOR)
        for i in range(3):
            repo.submit("p1", note(f"n{i}"))
        folder = repo.project_dir("p1")
        for path in folder.iterdir():
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == file_mode, (path.name, oct(mode))
        for path in (folder, repo.projects_dir):
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode & 0o2770 == 0o2770 and not mode & 0o002, (path, oct(mode))
    finally:
        os.umask(old)
        atomic_storage._UMASK = None


def test_stale_temp_files_are_cleaned_under_the_lock(repo: Repository) -> None:
    repo.create_project(make_project(3, project_id="p1"), OPERATOR)
    folder = repo.project_dir("p1")
    stale = folder / ".log-000001.json.999-dead.tmp"
    fresh = folder / ".log-000001.json.998-beef.tmp"
    for path in (stale, fresh):
        path.write_bytes(b'{"half": ')
    old = time.time() - 120
    os.utime(stale, (old, old))
    assert repo.load("p1").seq == 1  # readers ignore temp files
    repo.submit("p1", note("x"))
    assert not stale.exists()
    assert fresh.exists()  # may belong to a live writer: younger than a minute


def test_busy_when_another_process_holds_the_lock(repo: Repository) -> None:
    repo.create_project(make_project(3, project_id="p1"), OPERATOR)
    holder = subprocess.Popen([sys.executable, str(WRITER), "hold", str(repo.data_dir), "p1", "20"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        impatient = Repository(repo.data_dir, lock_timeout=0.3)
        with pytest.raises(Busy) as info:  # raised by the 0.3 s lock timeout: the holder
            impatient.submit("p1", note("blocked"))  # keeps the lock for 20 s
        assert "busy" in str(info.value) and "retry" in str(info.value)
        assert impatient.load("p1").seq == 1  # readers do not wait for the lock
    finally:
        holder.kill()
        holder.wait()
    # the kernel dropped the dead holder's lock: writing works again at once
    assert isinstance(Repository(repo.data_dir, lock_timeout=2).submit("p1", note("after")), list)


def _damage_cases() -> list[tuple[str, str]]:
    return [("truncate", "log-000003.json"), ("garbage", "log-000001.json"),
            ("schema", "project.json"), ("schema", "log-000003.json"),
            ("garbage", "log-000002.json"), ("empty", "log-000003.json")]


@pytest.mark.parametrize(("how", "name"), _damage_cases())
def test_damaged_files_are_reported_left_alone_and_writes_refused(
        repo: Repository, how: str, name: str) -> None:
    repo.create_project(make_project(4, project_id="p1"), OPERATOR)
    repo.create_project(make_project(4, project_id="p2"), OPERATOR)
    for i in range(12):
        repo.submit("p1", note(f"n{i}"))
    folder = repo.project_dir("p1")
    path = folder / name
    raw = path.read_bytes()
    if how == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif how == "garbage":
        path.write_bytes(b"\x00\x00garbage" + raw[10:])
    elif how == "empty":
        path.write_bytes(b"")
    else:
        table = "project" if name == "project.json" else "meta"
        data = json.loads(raw)
        data[table]["1"]["schema"] = 99
        path.write_text(json.dumps(data))
    before = folder_bytes(folder)
    for reader in (repo, Repository(repo.data_dir)):
        with pytest.raises(DamagedProject) as info:
            reader.load("p1")
        assert info.value.path == path
        assert str(path) in str(info.value)
        with pytest.raises(DamagedProject):
            reader.submit("p1", note("must not be written"))
        assert [s.id for s in reader.list_projects()] == ["p2"]
        assert [d.project_id for d in reader.damaged_projects()] == ["p1"]
    assert folder_bytes(folder) == before  # byte for byte
    assert not list(folder.glob(".*.tmp"))
    broken = repo.check_log("p1")
    assert broken is not None and str(path) in broken.reason
    if name == "log-000003.json":
        # the last good state stays readable: everything before the bad segment
        fresh = Repository(repo.data_dir)
        with pytest.raises(DamagedProject) as info:
            fresh.load("p1")
        assert info.value.good_seq == 10 and info.value.salvaged is not None


def test_check_log_names_the_first_changed_event(repo: Repository) -> None:
    repo.create_project(make_project(4, project_id="p1"), OPERATOR)
    for i in range(12):
        repo.submit("p1", note(f"n{i}"))
    path = repo.project_dir("p1") / "log-000002.json"
    data = json.loads(path.read_text())
    data["events"]["7"]["payload"]["text"] = "rewritten history"
    path.write_text(json.dumps(data))
    broken = Repository(repo.data_dir).check_log("p1")
    assert broken is not None and broken.seq == 7
    assert "changed" in broken.reason
    # the sealed segment changed since it was sealed: loading checks its hashes, so neither
    # a new process nor one that had it cached builds on (or writes after) the rewritten event
    for reader in (Repository(repo.data_dir), repo):
        with pytest.raises(DamagedProject) as info:
            reader.load("p1")
        assert "event #7" in str(info.value) and info.value.path == path
        with pytest.raises(DamagedProject):
            reader.submit("p1", note("refused"))


def test_disk_full_acknowledges_nothing_and_recovers(repo: Repository,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    repo.create_project(make_project(4, project_id="p1"), OPERATOR)
    repo.submit("p1", note("before"))
    folder = repo.project_dir("p1")
    before = folder_bytes(folder)

    def full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic_storage.os, "write", full)
    with pytest.raises(WriteFailed) as info:
        repo.submit("p1", note("lost"))
    assert "full" in str(info.value)
    monkeypatch.undo()
    assert folder_bytes(folder) == before
    assert not list(folder.glob(".*.tmp"))
    assert repo.load("p1").seq == 2
    result = repo.submit("p1", note("after"))
    assert isinstance(result, list) and result[0].seq == 3
    assert Repository(repo.data_dir).check_log("p1") is None


def test_migration_hook_runs_under_the_lock(repo: Repository, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.create_project(make_project(4, project_id="p1"), OPERATOR)
    repo.submit("p1", note("v1 data"))
    calls: list[Path] = []

    def one_to_two(folder: Path) -> None:
        calls.append(folder)
        for path in [folder / "project.json", *folder.glob("log-*.json")]:
            data = orjson.loads(path.read_bytes())
            table = "project" if path.name == "project.json" else "meta"
            data[table]["1"]["schema"] = 2
            atomic_storage.write_atomic(path, orjson.dumps(data))

    monkeypatch.setattr(layout, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(layout, "MIGRATIONS", {1: one_to_two})
    fresh = Repository(repo.data_dir)
    assert fresh.load("p1").seq == 2
    assert calls == [repo.project_dir("p1")]
    assert isinstance(fresh.submit("p1", note("v2 data")), list)
    assert Repository(repo.data_dir).load("p1").seq == 3
    assert len(calls) == 1


def test_import_log_writes_segments_and_a_snapshot(tmp_path: Path) -> None:
    source = Repository(tmp_path / "a", segment_size=1000)
    source.create_project(make_project(5, project_id="imp"), OPERATOR, T0)
    for i in range(13):
        source.submit("imp", note(f"n{i}"))
    events = source.events("imp")
    target = Repository(tmp_path / "b")
    state = target.import_log(events, segment_size=4)
    assert state == source.load("imp")
    folder = target.project_dir("imp")
    assert len(list(folder.glob("log-*.json"))) == 4
    assert [p.name for p in folder.glob("snap-*.json")] == ["snap-000004.json"]
    fresh = Repository(tmp_path / "b")
    assert fresh.load("imp") == state and fresh._cache["imp"].base == 12
    assert fresh.events("imp") == events
    assert isinstance(fresh.submit("imp", note("more")), list)
    with pytest.raises(ProjectExists):
        target.import_log(events)
    tampered = [*events[:3], events[4]]
    with pytest.raises(StorageError):
        Repository(tmp_path / "c").import_log(tampered)


def test_a_rolled_back_segment_is_never_appended_to(repo: Repository) -> None:
    repo.create_project(make_project(4, project_id="p1"), OPERATOR)
    repo.submit("p1", note("one"))
    active = repo.project_dir("p1") / "log-000001.json"
    older = active.read_bytes()
    repo.submit("p1", note("two"))
    repo.submit("p1", note("three"))
    active.write_bytes(older)  # e.g. restored from a backup while the dashboard runs
    with pytest.raises(DamagedProject) as info:
        repo.submit("p1", note("four"))
    assert "rolled back" in str(info.value)
    assert active.read_bytes() == older


_ACTIONS = [ItemAction.START, ItemAction.DONE, ItemAction.FAIL, ItemAction.SKIP, ItemAction.BLOCK,
            ItemAction.UNBLOCK, ItemAction.REOPEN]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 5), st.integers(0, 2)), max_size=40))
def test_snapshot_restores_exactly_the_folded_state(steps: list[tuple[int, int, int]]) -> None:
    """Property: whatever happened, restore(encode(state)) == state (the codec is a cache
    of the fold and must never change what a process sees)."""
    from updeck.models.commands import CreateProject
    from updeck.models.engine import submit

    project = make_project(6, project_id="prop", approvals=1)
    state, _ = submit(None, CreateProject(project=project, by=OPERATOR, at=T0))
    items = [*(f"i{n:04d}" for n in range(1, 7)), "a01"]
    who = [OPERATOR, BOB, Operator("carol", "h2", "10.1.1.1")]
    for n, (action, item, person) in enumerate(steps):
        at = T0 + timedelta(minutes=n + 1)
        if action == 7:
            cmd: object = AddNote(text=f"note {n}", by=who[person], at=at)
        elif action in (8, 9):
            cmd = DecideApproval(item="a01", go=action == 8, by=who[person], at=at, note="n")
        else:
            cmd = MoveItem(item=items[item], action=_ACTIONS[action], reason="why", by=who[person],
                           at=at)
        state, _ = submit(state, cmd)  # type: ignore[arg-type]
    assert state is not None
    data = orjson.loads(orjson.dumps(snapshot.encode_state(state)))
    assert snapshot.restore_state(state.project, data) == state


def test_a_missing_snapshot_is_rewritten_by_the_replay(repo: Repository) -> None:
    repo.create_project(make_project(5, project_id="p1"), OPERATOR)
    for i in range(12):
        repo.submit("p1", note(f"n{i}"))
    folder = repo.project_dir("p1")
    for snap in folder.glob("snap-*.json"):
        snap.unlink()  # e.g. written by another version of updeck, or lost
    first = Repository(repo.data_dir)
    assert first.load("p1") == repo.load("p1")
    assert first._cache["p1"].base == 0  # replayed the whole log...
    assert [p.name for p in folder.glob("snap-*.json")] == ["snap-000003.json"]
    second = Repository(repo.data_dir)
    assert second.load("p1") == repo.load("p1")
    assert second._cache["p1"].base == 10  # ...so the next process did not have to


def test_segments_also_roll_over_by_size(tmp_path: Path) -> None:
    repo = Repository(tmp_path / "data", segment_size=1000, segment_bytes=3000)
    repo.create_project(make_project(3, project_id="big"), OPERATOR)
    output = "x" * 1200  # a long verification output
    for i in range(6):
        cmd = RecordVerification(item="i0001", command="check", exit_code=i % 2, output_tail=output,
                                 duration=1.0, host="h", by=OPERATOR, at=T0)
        assert isinstance(repo.submit("big", cmd), list)
    folder = repo.project_dir("big")
    sizes = [p.stat().st_size for p in sorted(folder.glob("log-*.json"))]
    assert len(sizes) >= 3 and max(sizes) < 3000 + 2 * 1500
    fresh = Repository(tmp_path / "data")
    assert fresh.load("big") == repo.load("big")
    assert fresh.check_log("big") is None
    assert len(fresh.events("big")) == 7
