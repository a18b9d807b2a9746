"""Storage under real processes: several writers at once, SIGKILL mid-write, readers polling.

Each writer is a separate Python process (tests/support/storage_writer.py), never a thread."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from updeck.models.events import EventKind, verify_chain
from updeck.storage.atomic_storage import read_tables
from updeck.storage.contract import ProjectRepository
from updeck.storage.errors import DamagedProject
from updeck.storage.feed import Watcher
from updeck.storage.repository import Repository, open_repository

from tests.support.storage import OPERATOR, make_project

WRITER = Path(__file__).resolve().parents[1] / "support" / "storage_writer.py"
PY = sys.executable


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([PY, str(WRITER), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["files", "postgres"])
def test_eight_writers_at_once_lose_nothing(tmp_path: Path, backend: str,
                                            request: pytest.FixtureRequest) -> None:
    data = str(tmp_path / "data")
    repo: ProjectRepository
    if backend == "postgres":  # its own database, in the default schema, as a team has it
        from updeck.storage.postgres.repository import open_postgres
        from updeck.storage.postgres.schema import init_database

        data = request.getfixturevalue("pg_server").create_database(f"writers_{os.getpid()}")
        init_database(data)
        repo = open_postgres(data)
    else:
        # small segments so that segment roll-overs (and snapshots) happen under contention
        repo = Repository(Path(data), segment_size=100)
    repo.create_project(make_project(16, project_id="team"), OPERATOR)
    repo.close()
    writers, per_writer = 8, 250
    # a short lock timeout so that Busy (and the caller's retry) really happens under load
    procs = [spawn("mixed", data, "team", str(k), str(per_writer), "0.25")
             for k in range(writers)]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    assert all(r["errors"] == [] for r in reports), reports
    assert all(r["refused"] == 0 for r in reports), reports
    print(f"Busy retries: {sum(r['busy'] for r in reports)}")

    fresh = open_repository(data)
    events = fresh.events("team")
    assert len(events) == 1 + writers * per_writer
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert verify_chain(events) is None
    assert fresh.check_log("team") is None
    per_user = Counter(e.by.user for e in events[1:])
    assert per_user == {f"w{k}": per_writer for k in range(writers)}
    # each writer's own notes arrived in its own order, none twice
    for k in range(writers):
        notes = [e.payload["text"] for e in events if e.by.user == f"w{k}" and e.kind is EventKind.NOTE]
        assert notes == [f"w{k} note {i}" for i in range(1, per_writer, 2)]
    state = fresh.load("team")
    assert state.seq == len(events) and state.notes == writers * per_writer // 2
    fresh.close()


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_no_acknowledged_change(tmp_path: Path) -> None:
    data = tmp_path / "data"
    repo = Repository(data, segment_size=7)  # kills also land on roll-overs and snapshots
    repo.create_project(make_project(4, project_id="kill"), OPERATOR)
    rng = random.Random(20261128)
    acknowledged: list[str] = []
    for _ in range(50):
        proc = spawn("ack", str(data), "kill")
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.12))
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        # every complete line was printed after submit() returned: acknowledged (a line is
        # written in one write() to a pipe, but drop an unterminated tail all the same)
        acknowledged += out.split("\n")[:-1]
        reader = Repository(data)  # a fresh process's view
        events = reader.events("kill")
        texts = {f"{e.seq} {e.payload.get('text', '')}" for e in events}
        missing = [a for a in acknowledged if a not in texts]
        assert not missing, missing
    assert len(acknowledged) > 50
    final = Repository(data)
    assert final.check_log("kill") is None
    assert final.load("kill").seq == len(final.events("kill"))


@pytest.mark.slow
def test_reader_polling_while_writers_write_never_fails(tmp_path: Path) -> None:
    data = tmp_path / "data"
    repo = Repository(data, segment_size=40)
    repo.create_project(make_project(8, project_id="live"), OPERATOR)
    procs = [spawn("mixed", str(data), "live", str(k), "300") for k in range(2)]
    viewer = Repository(data)
    watcher = Watcher(viewer, "live")
    seen = [e.seq for e in viewer.events("live")]
    other = Repository(data)  # a second screen: stamp + refresh
    other.load("live")
    refreshed = [1]
    last_stamp = other.stamp("live")
    polls = parses = cold = 0
    while any(p.poll() is None for p in procs) or polls == 0:
        polls += 1
        seen += [e.seq for e in watcher.poll()]
        if other.stamp("live") != last_stamp:
            last_stamp = other.stamp("live")
            refreshed += [e.seq for e in other.refresh("live")[1]]
        # a raw read of whatever file is newest must always parse (no torn files)
        newest = max((data / "projects" / "live").glob("log-*.json"))
        try:
            if read_tables(newest) is not None:
                parses += 1
        except FileNotFoundError:
            pass
        if polls % 25 == 0:  # now and then a cold open, as a new dashboard would do
            try:
                Repository(data).load("live")
            except DamagedProject as exc:  # pragma: no cover - the failure being tested
                pytest.fail(f"a reader saw a damaged project: {exc}")
            cold += 1
        time.sleep(0.01)
    for proc in procs:
        _, err = proc.communicate()
        assert proc.returncode == 0, err
    seen += [e.seq for e in watcher.poll()]
    refreshed += [e.seq for e in other.refresh("live")[1]]
    assert seen == list(range(1, 602))
    assert refreshed == list(range(1, 602))
    assert parses > 10 and cold > 0
