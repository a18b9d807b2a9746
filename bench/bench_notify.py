"""Notifications benchmark: prints numbers next to their targets; it does not pass or fail.

    .venv/bin/python bench/bench_notify.py [--events 50] [--queued 1000] [--repeat 3]
                                           [--backend files|postgresql]

- event -> webhook received, with ``updeck notify run`` running (a separate process):
  from the moment ``Repository.submit`` returns a note to the moment a loopback HTTP
  server has the request; ``--events`` samples (target p95 < 1 s);
- 1,000 queued notifications drained: ``updeck notify run PROJECT --once`` started on a
  project whose log holds 1,000 events for an ``every_event`` webhook rule, until it
  exits with every one delivered and recorded (target < 10 s); ``--repeat`` runs.

``--backend postgresql`` runs both on a throwaway PostgreSQL server (tests/support/postgres.py,
fsync on): the outbox and the lease are then its tables.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from updeck.models.commands import AddNote, ChangeNotifyRules  # noqa: E402
from updeck.models.events import Operator, utc_now  # noqa: E402
from updeck.models.notify_rules import NotifyRule, NotifyTarget  # noqa: E402
from updeck.storage.contract import ProjectRepository  # noqa: E402
from updeck.storage.repository import Repository  # noqa: E402
from updeck.tui.common.notify_sender import outbox_for  # noqa: E402

from tests.support.postgres import PgServer, find_bin_dir  # noqa: E402
from tests.support.webhooks import receiver  # noqa: E402

BY = Operator("bench", "bench-host")
TEMPLATE = """\
format: 1
id: bench-notify
name: Bench notify
phases:
  execute:
    items:
      - id: a
        title: Step a
"""
UPDECK = str(Path(sys.executable).with_name("updeck"))
PG: dict[str, PgServer] = {}  # the server, with --backend postgresql
_databases = itertools.count(1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def new_project(folder: Path, url: str) -> tuple[ProjectRepository, str, dict[str, str]]:
    db = str(folder / "data")
    if "server" in PG:
        from updeck.storage.postgres.schema import init_database

        db = PG["server"].create_database(f"bench_notify_{next(_databases)}")
        init_database(db)
    template = folder / "t.yaml"
    template.write_text(TEMPLATE)
    env = {**os.environ, "UPDECK_DB": str(db), "UPDECK_OPERATOR": "bench",
           "UPDECK_STATE_DIR": str(folder / "state"), "BENCH_HOOK": f"{url}/hook"}
    made = subprocess.run([UPDECK, "new", str(template), "--name", "bench"], env=env,
                          capture_output=True, text=True, check=True)
    project_id = made.stdout.strip().splitlines()[-1]
    repo: ProjectRepository
    if "server" in PG:
        from updeck.storage.postgres.repository import PgRepository

        repo = PgRepository(db)
    else:
        repo = Repository(Path(db))
    rule = NotifyRule("all", ("every_event",), (NotifyTarget("webhook", "${BENCH_HOOK}"),))
    repo.submit(project_id, ChangeNotifyRules(rule=rule, by=BY, at=utc_now()))
    return repo, project_id, env


def bench_latency(samples: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp, receiver() as got:
        repo, project_id, env = new_project(Path(tmp), got.url)
        sender = subprocess.Popen([UPDECK, "notify", "run", project_id], env=env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        try:
            repo.submit(project_id, AddNote(text="warm-up", by=BY, at=utc_now()))
            if not got.wait_for(1, 30):
                raise SystemExit("the sender delivered nothing in 30 s")
            took = []
            for n in range(samples):
                before = len(got.effects)
                repo.submit(project_id, AddNote(text=f"note {n}", by=BY, at=utc_now()))
                start = time.perf_counter()
                if not got.wait_for(before + 1, 30):
                    raise SystemExit(f"note {n} never arrived")
                took.append(time.perf_counter() - start)
            return took
        finally:
            sender.terminate()
            sender.wait(30)


def bench_drain(queued: int) -> float:
    with tempfile.TemporaryDirectory() as tmp, receiver() as got:
        repo, project_id, env = new_project(Path(tmp), got.url)
        for n in range(queued):
            repo.submit(project_id, AddNote(text=f"note {n}", by=BY, at=utc_now()))
        start = time.perf_counter()
        done = subprocess.run([UPDECK, "notify", "run", project_id, "--once"], env=env,
                              capture_output=True, text=True, timeout=600)
        took = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"notify run --once: exit {done.returncode}: {done.stderr}")
        view = outbox_for(repo, project_id).view()
        delivered = sum(1 for e in view.entries.values() if e.status == "delivered")
        if len(got.effects) != queued or delivered != queued:
            raise SystemExit(f"received {len(got.effects)}, delivered {delivered} of {queued}")
        return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--queued", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=("files", "postgresql"), default="files")
    args = parser.parse_args()
    if args.backend == "postgresql":
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise SystemExit("no PostgreSQL server binary (initdb) on this machine")
        with tempfile.TemporaryDirectory(prefix="updeck-pg-") as tmp:
            os.chmod(tmp, 0o755)
            PG["server"] = PgServer(Path(tmp), bin_dir, durable=True).start()
            try:
                run(args)
            finally:
                PG["server"].down("immediate")
    else:
        run(args)


def run(args: argparse.Namespace) -> None:
    print(f"backend: {args.backend}")
    took = bench_latency(args.events)
    print(f"event -> webhook received ({args.events} events, sender running): "
          f"median {statistics.median(took) * 1000:.0f} ms, p95 {percentile(took, 0.95) * 1000:.0f} ms"
          f"   (target p95 < 1000 ms)")
    drains = [bench_drain(args.queued) for _ in range(args.repeat)]
    print(f"{args.queued} queued drained to a local server ({args.repeat} runs): "
          f"median {statistics.median(drains):.2f} s, p95 {percentile(drains, 0.95):.2f} s"
          f"   (target < 10 s)")


if __name__ == "__main__":
    main()
