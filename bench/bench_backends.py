"""Both storage backends side by side: prints median and p95 next to each target, no pass/fail.

    .venv/bin/python bench/bench_backends.py [--items 2000] [--events 50000] [--writes 200] [--quick]

Files: a data folder in a temp folder. PostgreSQL: a throwaway server on a Unix socket of
the same host (tests/support/postgres.py), started here with fsync and synchronous commit
ON, so a write is as durable as on a real server. Measured on each:

* one acknowledged durable write (``submit`` of a note), in a process holding the project
  (target under 15 ms on PostgreSQL on the same host);
* a cold open of ``--items`` items / ``--events`` events in a new process (``open_repository``
  then ``load``; the project written by ``import_log``, which leaves a snapshot), target < 1 s;
* another writer's change seen: a follower blocked in ``Watcher.wait`` (``log --follow``:
  files poll every 0.3 s, PostgreSQL wakes on LISTEN/NOTIFY) until it has read the event,
  counted from the moment the other writer's ``submit`` started (target < 1 s).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_storage import PID, build_events, pct  # noqa: E402
from updeck.models.commands import AddNote  # noqa: E402
from updeck.models.events import Operator  # noqa: E402
from updeck.storage.contract import ProjectRepository  # noqa: E402
from updeck.storage.feed import Watcher  # noqa: E402
from updeck.storage.repository import open_repository  # noqa: E402

from tests.support.postgres import PgServer, find_bin_dir  # noqa: E402
from tests.support.storage import OPERATOR, T0  # noqa: E402

COLD = """
import sys, time
sys.path.insert(0, {root!r})
from updeck.storage.repository import open_repository
started = time.perf_counter()
repo = open_repository({db!r})
state = repo.load({pid!r})
print(time.perf_counter() - started, state.seq)
"""


def note(n: int, who: Operator = OPERATOR) -> AddNote:
    return AddNote(text=f"bench note {n}", by=who, at=T0 + timedelta(seconds=n))


def writes(repo: ProjectRepository, count: int) -> list[float]:
    repo.load(PID)
    out = []
    for n in range(count):
        started = time.perf_counter()
        result = repo.submit(PID, note(n))
        out.append((time.perf_counter() - started) * 1000)
        assert isinstance(result, list)
    return out


def cold(db: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-c", COLD.format(root=str(ROOT), db=db, pid=PID)],
                              capture_output=True, text=True, check=True)
        out.append(float(proc.stdout.split()[0]) * 1000)
    return out


def seen(db: str, rounds: int) -> list[float]:
    reader, writer = open_repository(db), open_repository(db)
    watcher = Watcher(reader, PID)
    bob = Operator("bob", "site2")
    out = []
    try:
        for n in range(rounds):
            watcher.poll()
            got = threading.Event()
            marks: dict[str, float] = {}

            def follow(got: threading.Event = got, marks: dict[str, float] = marks) -> None:
                while not got.is_set():
                    if watcher.wait(timeout=5.0) and watcher.poll():
                        marks["seen"] = time.perf_counter()
                        got.set()

            thread = threading.Thread(target=follow)
            thread.start()
            time.sleep(0.05 + (n % 7) * 0.043)  # land anywhere in the follower's poll cycle
            marks["start"] = time.perf_counter()
            writer.submit(PID, note(100_000 + n, bob))
            thread.join(timeout=30)
            out.append((marks["seen"] - marks["start"]) * 1000)
    finally:
        reader.close()
        writer.close()
    return out


def row(label: str, files: list[float], pg: list[float], target: str) -> None:
    def cell(values: list[float]) -> str:
        return f"{statistics.median(values):8.1f} {pct(values, 95):8.1f}"

    print(f"  {label:<40} {cell(files)}   {cell(pg)}   {target}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    args = parser.parse_args()
    if args.quick:
        args.items, args.events, args.writes = 200, 5_000, 60
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise SystemExit("no PostgreSQL server binary (initdb): install the postgresql package")
    tmp = Path(tempfile.mkdtemp(prefix="updeck-bench-"))
    os.chmod(tmp, 0o755)
    server = PgServer(tmp / "pg", bin_dir, durable=True).start()
    try:
        from updeck.storage.postgres.schema import init_database

        pg_db = server.create_database("bench")
        init_database(pg_db)
        files_db = str(tmp / "files")
        print(f"building {args.events} events over {args.items} items...", flush=True)
        events = build_events(args.items, args.events)
        results: dict[str, dict[str, list[float]]] = {}
        for name, db in (("files", files_db), ("postgres", pg_db)):
            repo = open_repository(db)
            repo.import_log(events)
            repo.close()
            results[name] = {"cold": cold(db, 5)}
            repo = open_repository(db)
            results[name]["write"] = writes(repo, args.writes)
            repo.close()
            results[name]["seen"] = seen(db, 15)
        print(f"\n{args.items} items, {args.events} events; PostgreSQL "
              f"{server.dsn('bench')} (fsync on), ms")
        print(f"  {'':<40} {'files':>17}   {'PostgreSQL':>17}")
        print(f"  {'':<40} {'median':>8} {'p95':>8}   {'median':>8} {'p95':>8}")
        row("durable write (submit, acknowledged)", results["files"]["write"],
            results["postgres"]["write"], "target p95 < 15 ms on PostgreSQL")
        row("cold open (new process: open + load)", results["files"]["cold"],
            results["postgres"]["cold"], "target < 1000 ms")
        row("another writer's change seen (follow)", results["files"]["seen"],
            results["postgres"]["seen"], "target < 1000 ms (PostgreSQL: NOTIFY)")
    finally:
        server.down()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
