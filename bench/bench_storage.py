"""Storage benchmark: prints numbers (median and p95 next to each target), no pass/fail.

    .venv/bin/python bench/bench_storage.py [--items 2000] [--events 50000] [--quick]

A project of ``--items`` items with ``--events`` log events is built in code (a template
from ``updeck.models.template`` classes; events made by the engine), written as updeck's
segmented TinyDB files, then measured:

* one acknowledged durable write (``Repository.submit``), in a process holding the project;
* opening the project in a cold process (a subprocess: imports + disk -> folded state);
* learning of another process's write and reading it (``Watcher.poll`` after the write);
* the resident memory of a process holding the project.

The same figures for plain TinyDB (``TinyDB(path)``, default JSONStorage, all events in
one file) are the baseline; it is capped (few repetitions) because each of its writes
rewrites and re-parses the whole file.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from updeck.models.commands import AddNote, ItemAction, MoveItem  # noqa: E402
from updeck.models.engine import decide  # noqa: E402
from updeck.models.events import Event, utc_now  # noqa: E402
from updeck.storage import layout  # noqa: E402
from updeck.storage.atomic_storage import write_atomic  # noqa: E402
from updeck.storage.feed import Watcher  # noqa: E402
from updeck.storage.repository import Repository  # noqa: E402

from tests.support.storage import OPERATOR, T0, make_project  # noqa: E402

PID = "bench-upgrade-000001"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def line(label: str, values: list[float], target: str = "", unit: str = "ms") -> None:
    med, p95 = statistics.median(values), pct(values, 95)
    print(f"  {label:<48} median {med:7.1f} {unit:<3} p95 {p95:7.1f} {unit:<3} max {max(values):7.1f}"
          f" (n={len(values)}){'   target ' + target if target else ''}", flush=True)


# --- building the data --------------------------------------------------------------

def build_events(items: int, count: int) -> list[Event]:
    """``count`` events made by the engine: every item started and done, then rounds of
    reopen/start/done and notes until the log is long enough."""
    from updeck.models.engine import submit
    project = make_project(items, name="Bench upgrade", project_id=PID)
    from updeck.models.commands import CreateProject
    state, result = submit(None, CreateProject(project=project, by=OPERATOR, at=T0))
    assert isinstance(result, list)
    events = list(result)
    ids = [spec.id for spec in project.template.items()]
    n = 0

    def run(cmd: object) -> None:
        nonlocal state
        res = decide(state, cmd)  # type: ignore[arg-type]
        assert isinstance(res, list), res
        from updeck.models.engine import apply
        for e in res:
            state = apply(state, e)  # type: ignore[arg-type]
        events.extend(res)

    round_no = 0
    while len(events) < count:
        for item in ids:
            if len(events) >= count:
                break
            n += 1
            at = T0 + timedelta(seconds=n)
            if round_no == 0:
                run(MoveItem(item=item, action=ItemAction.START, by=OPERATOR, at=at))
                run(MoveItem(item=item, action=ItemAction.DONE, by=OPERATOR, at=at))
            elif n % 3 == 0:
                run(AddNote(text=f"checked {item}: all green, round {round_no}", item=item,
                            by=OPERATOR, at=at))
            else:
                run(MoveItem(item=item, action=ItemAction.REOPEN, reason="recheck", by=OPERATOR,
                             at=at))
                run(MoveItem(item=item, action=ItemAction.DONE, by=OPERATOR, at=at))
        round_no += 1
    return events[:count]


def write_plain(path: Path, events: list[Event]) -> None:
    # TinyDB's own format ({"_default": {"1": doc, ...}}), written once like a pre-filled DB.
    with open(path, "w") as fh:
        json.dump({"_default": {str(e.seq): e.to_dict() for e in events}}, fh)


# --- measurements -------------------------------------------------------------------

COLD_UPDECK = """
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from updeck.storage.repository import Repository
t1 = time.perf_counter()
if {full!r}:
    import updeck.storage.snapshot
    updeck.storage.snapshot._FINGERPRINT = ""  # no usable snapshot: replay the whole log
repo = Repository({data!r})
state = repo.load({pid!r})
t2 = time.perf_counter()
rss = int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20
if {all_events!r}:
    assert len(repo.events({pid!r})) == state.seq
    t2 = time.perf_counter()
    rss = int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20
hwm = [int(x.split()[1]) for x in open('/proc/self/status') if x.startswith('VmHWM')][0] / 1024
print(t2 - t0, t2 - t1, rss, state.seq, hwm)
"""

COLD_PLAIN = """
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from tinydb import TinyDB
from updeck.models.engine import fold
from updeck.models.events import Event
t1 = time.perf_counter()
db = TinyDB({path!r})
state = fold(Event.from_dict(d) for d in db.all())
t2 = time.perf_counter()
rss = int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20
hwm = [int(x.split()[1]) for x in open('/proc/self/status') if x.startswith('VmHWM')][0] / 1024
print(t2 - t0, t2 - t1, rss, state.seq, hwm)
"""

WRITER = """
import sys, time
sys.path.insert(0, {root!r})
from updeck.storage.repository import Repository
from updeck.models.commands import AddNote
from updeck.models.events import Operator, utc_now
repo = Repository({data!r})
repo.load({pid!r})
bob = Operator("bob", "jump1")
print("ready", flush=True)
for line in sys.stdin:
    repo.submit({pid!r}, AddNote(text="from the other process", by=bob, at=utc_now()))
    print(time.time(), flush=True)
"""

PLAIN_WRITER = """
import sys, time
sys.path.insert(0, {root!r})
from tinydb import TinyDB
db = TinyDB({path!r})
doc = {doc!r}
print("ready", flush=True)
for line in sys.stdin:
    db.insert(doc)
    print(time.time(), flush=True)
"""


PEAK: list[float] = []  # peak RSS (VmHWM, fresh after exec) of the last cold() runs, MiB


def cold(script: str, runs: int) -> tuple[list[float], list[float], list[float], list[float]]:
    wall, inproc, load, rss = [], [], [], []
    PEAK.clear()
    for _ in range(runs):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             check=True).stdout.split()
        wall.append((time.perf_counter() - t0) * 1000)
        inproc.append(float(out[0]) * 1000)
        load.append(float(out[1]) * 1000)
        rss.append(float(out[2]))
        PEAK.append(float(out[4]))
    return wall, inproc, load, rss


def feed_latency(writer_script: str, poll: object, rounds: int) -> list[float]:
    proc = subprocess.Popen([sys.executable, "-c", writer_script], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdin and proc.stdout
    assert proc.stdout.readline().strip() == "ready"
    times = []
    try:
        for _ in range(rounds):
            proc.stdin.write("go\n")
            proc.stdin.flush()
            proc.stdout.readline()  # acknowledged by the other process
            t0 = time.perf_counter()
            got = poll()  # type: ignore[operator]
            times.append((time.perf_counter() - t0) * 1000)
            assert got, "the change was not seen"
    finally:
        proc.stdin.close()
        proc.wait()
    return times


def sweep(args: argparse.Namespace) -> None:
    """Why 500 events per segment: write cost grows with the newest segment, cold open
    with the newest segment too (events after the snapshot), the sealing write with the
    item count only. Sizes are measured in interleaved rounds (the machine is shared, its
    disk busy in bursts), with CPU time next to wall-clock."""
    tmp = Path(tempfile.mkdtemp(prefix="updeck-sweep-"))
    events = build_events(args.items, args.events)
    sizes = (250, 500, 1000, 2000, 5000)
    rounds, per_round = 3, 40
    print(f"segment size sweep: {args.items} items, {args.events} events; {rounds} interleaved "
          f"rounds of {per_round} writes into a nearly full newest segment (worst case), cold "
          "open in-process, one sealing write per round")
    lat: dict[int, list[float]] = {n: [] for n in sizes}
    cpu: dict[int, list[float]] = {n: [] for n in sizes}
    opens: dict[int, list[float]] = {n: [] for n in sizes}
    seals: dict[int, list[float]] = {n: [] for n in sizes}
    newest: dict[int, float] = {}
    files: dict[int, int] = {}
    for r in range(rounds):
        for size in sizes:
            data = tmp / f"s{size}-{r}"
            Repository(data, segment_bytes=1 << 40).import_log(  # count only, no byte limit
                events[:args.events - per_round], segment_size=size)
            repo = Repository(data)
            repo.load(PID)
            for n in range(per_round):
                cmd = AddNote(text=f"write {n}", by=OPERATOR, at=utc_now())
                w0, c0 = time.perf_counter(), time.process_time()
                repo.submit(PID, cmd)
                lat[size].append((time.perf_counter() - w0) * 1000)
                cpu[size].append((time.process_time() - c0) * 1000)
            for _ in range(2):
                gc.collect()
                o0 = time.perf_counter()
                Repository(data).load(PID)
                opens[size].append((time.perf_counter() - o0) * 1000)
            folder = data / layout.PROJECTS / PID
            newest[size] = max(folder.glob("log-*.json")).stat().st_size / 1024
            s0 = time.perf_counter()
            repo.submit(PID, AddNote(text="seal", by=OPERATOR, at=utc_now()))
            seals[size].append((time.perf_counter() - s0) * 1000)
            files[size] = len(list(folder.glob("log-*.json")))
            repo.forget()
            shutil.rmtree(data)
    print(f"  {'segment':>8} {'write p50':>10} {'write p95':>10} {'cpu p50':>8} {'open p50':>9} "
          f"{'open max':>9} {'sealing':>8} {'newest KiB':>10} {'files':>6}")
    for size in sizes:
        print(f"  {size:>8} {statistics.median(lat[size]):>8.1f}ms {pct(lat[size], 95):>8.1f}ms "
              f"{statistics.median(cpu[size]):>6.1f}ms {statistics.median(opens[size]):>7.1f}ms "
              f"{max(opens[size]):>7.1f}ms {statistics.median(seals[size]):>6.1f}ms "
              f"{newest[size]:>10.0f} {files[size]:>6}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--segment", type=int, default=layout.DEFAULT_SEGMENT_SIZE)
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--sweep", action="store_true",
                        help="only compare segment sizes (write p95, cold open, sealing write)")
    parser.add_argument("--cold", type=int, default=7)
    parser.add_argument("--skip-plain", action="store_true")
    args = parser.parse_args()

    if args.sweep:
        sweep(args)
        return
    tmp = Path(tempfile.mkdtemp(prefix="updeck-bench-"))
    data = tmp / "data"
    print(f"updeck storage bench: {args.items} items, {args.events} events, segments of "
          f"{args.segment}, in {tmp} (python {sys.version.split()[0]}, {os.cpu_count()} cpus)")
    t0 = time.perf_counter()
    events = build_events(args.items, args.events)
    # The project starts `writes` events short, so the timed writes fill the newest segment
    # to the brim (the most expensive writes); one more write then starts a new segment.
    start = args.events - args.writes
    Repository(data).import_log(events[:start], segment_size=args.segment)
    folder = data / layout.PROJECTS / PID
    print(f"  built in {time.perf_counter() - t0:.1f} s (events by the engine, written with "
          f"Repository.import_log): {start} events", flush=True)

    print("updeck (segmented TinyDB, atomic storage, file lock, snapshots):")
    repo = Repository(data)
    repo.load(PID)
    gc.collect()
    lat = []
    ids = [s.id for s in repo.load(PID).project.template.items()]

    def command(n: int) -> AddNote | MoveItem:
        item = ids[n % len(ids)]
        if n % 2:
            return AddNote(text=f"write {n}", item=item, by=OPERATOR, at=utc_now())
        return MoveItem(item=item, action=ItemAction.REOPEN, reason="again", by=OPERATOR,
                        at=utc_now())

    cpu = []
    for n in range(args.writes):
        cmd = command(n)
        w0, c0 = time.perf_counter(), time.process_time()
        result = repo.submit(PID, cmd)
        lat.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert isinstance(result, list), result
    segs = sorted(folder.glob("log-*.json"))
    total = sum(p.stat().st_size for p in segs)
    print(f"  now {repo.load(PID).seq} events: {total / 2**20:.1f} MiB of log in {len(segs)} "
          f"segments, the newest {segs[-1].stat().st_size / 1024:.0f} KiB and full", flush=True)
    line("acknowledged durable write (submit)", lat, "p95 < 15 ms")
    line("  its CPU time (the rest is fsync/rename wait)", cpu)
    # The disk's floor right now: the same bytes, temp + fsync + rename + fsync of the folder
    # with nothing else (no lock, no TinyDB, no engine). The machine is shared.
    newest_bytes = segs[-1].read_bytes()
    floor = []
    for _ in range(100):
        f0 = time.perf_counter()
        write_atomic(tmp / "floor.json", newest_bytes)
        floor.append((time.perf_counter() - f0) * 1000)
    line("  disk floor: write_atomic of the same bytes", floor)

    def cold_updeck(full: bool, all_events: bool, runs: int) -> tuple[list[float], ...]:
        return cold(COLD_UPDECK.format(root=str(ROOT), data=str(data), pid=PID, full=full,
                                       all_events=all_events), runs)

    wall, inproc, load, rss = cold_updeck(False, False, args.cold)
    line("cold open: imports + load (in the process)", inproc, "< 400 ms")
    line("cold open: load only (disk -> folded state)", load, "< 400 ms")
    line("cold open: whole subprocess incl. interpreter", wall)
    line("RSS of a process holding the project", rss, "< 150 MB", unit="MiB")
    line("  peak RSS while opening", PEAK, unit="MiB")
    wall, inproc, load, rss = cold_updeck(True, False, 3)
    line("cold open without snapshot: imports + replay", inproc)
    line("cold open without snapshot: replay only", load)
    wall, inproc, load, rss = cold_updeck(False, True, 3)
    line("cold open + the whole log (load, events(0))", load)
    line("RSS after reading the whole log (events(0))", rss, "< 150 MB", unit="MiB")
    line("  peak RSS while reading it", PEAK, unit="MiB")

    sealing = []
    for n in range(3):  # a write that starts a segment also writes the snapshot
        repo.forget()
        shutil.copytree(data, tmp / f"copy{n}")
        other = Repository(tmp / f"copy{n}")
        other.load(PID)
        w0 = time.perf_counter()
        assert isinstance(other.submit(PID, command(2 * n + 1)), list)
        sealing.append((time.perf_counter() - w0) * 1000)
        other.forget()
        shutil.rmtree(tmp / f"copy{n}")
    line("a write that starts a segment (+ snapshot)", sealing, "once per segment")

    watcher = Watcher(repo, PID)
    idle = []
    for _ in range(200):
        s0 = time.perf_counter()
        watcher.poll()
        idle.append((time.perf_counter() - s0) * 1000)
    line("poll with no change (stamp: 2 stats)", idle)
    feed = feed_latency(WRITER.format(root=str(ROOT), data=str(data), pid=PID), watcher.poll, 40)
    line("another process's write: poll + read it", feed, "< 50 ms")
    repo.forget()

    if args.skip_plain:
        return
    plain = tmp / "plain.json"
    write_plain(plain, events)
    print(f"plain TinyDB baseline (TinyDB(path), default JSONStorage, one file of "
          f"{plain.stat().st_size / 2**20:.1f} MiB, no lock; capped at 15 writes / 3 opens / "
          "10 polls):")
    from tinydb import TinyDB
    db = TinyDB(plain)
    doc = events[-1].to_dict()
    plat = []
    for _ in range(15):
        w0 = time.perf_counter()
        db.insert(doc)
        plat.append((time.perf_counter() - w0) * 1000)
    line("write (insert: re-parse + rewrite the file)", plat, "p95 < 15 ms")
    wall, inproc, load, rss = cold(COLD_PLAIN.format(root=str(ROOT), path=str(plain)), 3)
    line("cold open: imports + load + fold", inproc, "< 400 ms")
    line("cold open: load + fold", load)
    line("cold open: whole subprocess incl. interpreter", wall)
    line("RSS of a process holding the project", rss, "< 150 MB", unit="MiB")
    line("  peak RSS while opening", PEAK, unit="MiB")
    db.close()
    reader = TinyDB(plain)
    seen = len(reader)

    def plain_poll() -> list[object]:
        nonlocal seen
        docs = reader.all()  # JSONStorage re-parses the whole file on every read
        new = docs[seen:]
        seen = len(docs)
        return new

    pfeed = feed_latency(PLAIN_WRITER.format(root=str(ROOT), path=str(plain), doc=doc),
                         plain_poll, 10)
    line("another process's write: re-read + find new", pfeed, "< 50 ms")


if __name__ == "__main__":
    main()
