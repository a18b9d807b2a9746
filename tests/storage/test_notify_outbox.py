"""The notification outbox and the sender's lease on both backends (the same tests: keys
queued once, a lease that is exclusive, expires or whose holder died, two senders that never
hold it at once), and what only the file journal does: a line torn by a crash skipped and
cut off, compaction."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from updeck.models.notify_match import Notification
from updeck.storage import notify_outbox
from updeck.storage.notify_outbox import FileOutbox, Outbox, Settled

from tests.support.storage import OPERATOR, T0, make_project


def note(n: int, target: int = 0) -> Notification:
    return Notification(f"p:{n}:r:{target}:-", "r", target, {"file": "/tmp/x.jsonl"},
                        {"key": f"p:{n}:r:{target}:-", "trigger": "every_event", "title": f"n{n}"})


@dataclass
class Store:
    """One project's outbox on a backend: ``open()`` is a new one on the same store, as
    another process would have it; ``plant(lease)`` writes a lease row/file as is."""

    open: Callable[[], Outbox]
    plant: Callable[[dict[str, Any]], None]


@pytest.fixture(params=["files", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "files":
        def plant_file(lease: dict[str, Any]) -> None:
            (tmp_path / "notify").mkdir(exist_ok=True)
            (tmp_path / "notify" / "lease.json").write_text(json.dumps(lease))

        yield Store(lambda: FileOutbox(tmp_path), plant_file)
        return
    import psycopg
    from updeck.storage.postgres.repository import PgRepository

    dsn, schema = request.getfixturevalue("pg_dsn"), request.getfixturevalue("pg_schema")
    closing: list[Callable[[], None]] = []

    def open_pg() -> Outbox:  # a repository of its own: its own connection
        repo = PgRepository(dsn, schema=schema)
        closing.append(repo.close)
        return repo.notify_outbox("p")

    def plant_row(lease: dict[str, Any]) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DELETE FROM {schema}.notify_lease")
            conn.execute(f"INSERT INTO {schema}.notify_lease (project_id, token, pid, host, "
                         "started, kind, expires) VALUES ('p', %(token)s, %(pid)s, %(host)s, "
                         "%(started)s, %(kind)s, to_timestamp(%(expires)s))", lease)

    creator = PgRepository(dsn, schema=schema)
    closing.append(creator.close)
    creator.create_project(make_project(1, project_id="p"), OPERATOR, T0)
    yield Store(open_pg, plant_row)
    for close in closing:
        close()


def test_keys_are_queued_once_and_the_cursor_only_moves_forward(store: Store) -> None:
    box = store.open()
    assert box.enqueue([note(1), note(2), note(1)], 5) == 2
    assert box.enqueue([note(2), note(3)], 3) == 1
    other = store.open()  # another process's view of the same outbox
    view = other.view()
    assert [e.key for e in view.pending()] == [note(n).key for n in (1, 2, 3)]
    assert view.cursor == 5
    box.record_try(note(1).key, 1, "HTTP 503", time.time() + 60)
    box.settle([Settled(note(2).key, "delivered", 1, "", "now", 5)])
    box.mark_logged([note(2).key])
    view = other.view()
    assert view.entries[note(1).key].tries == 1 and view.entries[note(1).key].error == "HTTP 503"
    assert [e.key for e in view.pending()] == [note(1).key, note(3).key]
    assert view.unlogged() == []
    # outcomes written without waiting for the disk, then synced; a new key goes last
    box.settle([Settled(note(3).key, "failed", 2, "HTTP 404", "later", 6)], durable=False)
    box.sync()
    assert box.enqueue([note(4)], 7) == 1
    view = other.view()
    assert [(e.key, e.status) for e in sorted(view.entries.values(), key=lambda e: e.order)] == [
        (note(1).key, "queued"), (note(2).key, "delivered"), (note(3).key, "failed"),
        (note(4).key, "queued")]
    assert list(view.entries) == [note(n).key for n in (1, 2, 3, 4)] and view.cursor == 7
    assert [e.key for e in view.unlogged()] == [note(3).key]
    assert view.entries[note(3).key].error == "HTTP 404"


def test_a_torn_last_line_is_skipped_then_cut_off(tmp_path: Path) -> None:
    box = FileOutbox(tmp_path)
    box.enqueue([note(1)], 1)
    with open(box.path, "ab") as handle:
        handle.write(b'{"q": {"key": "torn", "ru')  # a crash in the middle of a write
    assert [e.key for e in FileOutbox(tmp_path).view().pending()] == [note(1).key]
    box.enqueue([note(2)], 2)
    lines = box.path.read_bytes().splitlines()
    assert all(json.loads(line) for line in lines)
    assert [e.key for e in FileOutbox(tmp_path).view().pending()] == [note(1).key, note(2).key]


def test_the_journal_is_compacted_when_most_of_it_is_history(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify_outbox, "COMPACT_AT", 40)
    box = FileOutbox(tmp_path)
    box.enqueue([note(1)], 1)
    for n in range(40):
        box.record_try(note(1).key, n + 1, f"try {n}", 0.0)
    box.settle([Settled(note(1).key, "failed", 40, "gave up", "now", 1)])
    box.enqueue([note(2)], 2)
    assert len(box.path.read_bytes().splitlines()) < 10
    view = FileOutbox(tmp_path).view()
    assert view.entries[note(1).key].status == "failed"
    assert view.entries[note(1).key].tries == 40 and view.cursor == 2
    assert [e.key for e in view.pending()] == [note(2).key]


def test_the_lease_is_exclusive_expires_and_frees_when_its_holder_is_gone(store: Store) -> None:
    mine, theirs = store.open().lease(), store.open().lease()
    assert mine.acquire("run") and mine.acquire("run")  # renewing
    assert not theirs.acquire("run")
    held = theirs.current()
    assert held is not None and held.pid == os.getpid() and held.kind == "run"
    assert held.expires > time.time() + 20
    assert mine.acquire("run", seconds=-1)  # expired at once
    assert theirs.acquire("run")
    theirs.release()
    assert mine.current() is None
    # a dashboard gives way to a run, not the other way round
    assert theirs.acquire("dashboard") and not mine.acquire("dashboard")
    assert mine.acquire("run") and not theirs.acquire("dashboard")
    mine.release()
    # a holder on this host that no longer runs: free at once, long before it expires
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    dead = int(child.stdout)
    store.plant({"token": "x", "pid": dead, "host": socket.gethostname(), "started": "1",
                 "kind": "run", "expires": time.time() + 3600})
    assert mine.acquire("run")
    now = theirs.current()
    assert now is not None and now.pid == os.getpid()


def test_two_senders_never_hold_the_lease_at_once(store: Store) -> None:
    """Two holders (each its own outbox and, on PostgreSQL, its own connection) take and
    give back the lease in a loop; whoever holds it must be alone."""
    inside: list[str] = []
    taken = {"a": 0, "b": 0}
    problems: list[str] = []
    start = threading.Barrier(2)

    def contend(name: str) -> None:
        lease = store.open().lease()
        start.wait()
        for _ in range(150):
            if lease.acquire("run"):
                inside.append(name)
                if not lease.acquire("run"):  # renewing: a round trip while holding it
                    problems.append(f"{name} lost a lease it held")
                if len(inside) != 1:
                    problems.append(f"{inside} at once")
                taken[name] += 1
                inside.remove(name)
                lease.release()

    threads = [threading.Thread(target=contend, args=(n,)) for n in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not problems and all(not t.is_alive() for t in threads)
    assert sum(taken.values()) > 0
