"""CLI benchmark: whole ``updeck`` processes on a big project. Prints numbers, no pass/fail.

    .venv/bin/python bench/bench_cli.py [--items 2000] [--events 50000] [--runs 15]

A project of ``--items`` items and ``--events`` log events is made by the engine and
written into a temporary data folder through ``Repository.import_log``; then, as a script
would, the installed ``updeck`` entry point is run as a fresh process each time:

* ``updeck status P`` (cold: imports, open the project, schedule, roll-ups, print);
* ``updeck item P X done`` and ``updeck item P X reopen --note ...`` alternately (a
  durable write each time);
* ``updeck --version`` and ``updeck list`` for scale.

Target: median under 600 ms for ``status`` and ``item``. The script also reports whether
Textual (or Rich) was imported by those commands (it must not be).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from updeck.models.commands import AddNote, Command, CreateProject, ItemAction, MoveItem  # noqa: E402
from updeck.models.engine import apply, decide  # noqa: E402
from updeck.models.events import Event, Operator  # noqa: E402
from updeck.models.phases import PHASE_IDS  # noqa: E402
from updeck.models.project import Window, instantiate  # noqa: E402
from updeck.models.state import ProjectState  # noqa: E402
from updeck.models.template import ItemSpec, PhaseSpec, Template  # noqa: E402
from updeck.storage.repository import Repository  # noqa: E402

PID = "cli-bench-000001"
T0 = datetime(2030, 6, 1, 22, 0, tzinfo=UTC)
WHO = (Operator("ana", "jump1"), Operator("ben", "jump1"), Operator("cy", "jump2"))
TARGET_MS = 600.0


def updeck_bin() -> str:
    beside = Path(sys.executable).parent / "updeck"
    return str(beside) if beside.exists() else (shutil.which("updeck") or "updeck")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def show(label: str, values: list[float], target: float | None = None) -> None:
    med, p95 = statistics.median(values), pct(values, 95)
    verdict = ""
    if target is not None:
        verdict = f"   target median < {target:.0f} ms: {'met' if med < target else 'MISSED'}"
    print(f"  {label:<34} median {med:7.1f} ms   p95 {p95:7.1f} ms   max {max(values):7.1f} ms"
          f"   (n={len(values)}){verdict}", flush=True)


# --- the big project ------------------------------------------------------------------

def build_template(n_items: int) -> Template:
    """Items spread over the seven phases; each depends on the one before it in its phase
    (a long chain) and every tenth on an item of the previous phase too."""
    per_phase = n_items // len(PHASE_IDS)
    phases: list[PhaseSpec] = []
    previous: list[str] = []
    count = 0
    for p_index, phase in enumerate(PHASE_IDS):
        size = per_phase if p_index < len(PHASE_IDS) - 1 else n_items - count
        items: list[ItemSpec] = []
        for i in range(size):
            item_id = f"{phase[:4]}-{i:04d}"
            deps: list[str] = []
            if i % 4:  # short chains of four
                deps.append(items[-1].id)
            if i % 10 == 0 and previous:
                deps.append(previous[i % len(previous)])
            items.append(ItemSpec(id=item_id, title=f"Step {i} of {phase}", phase=phase,
                                  estimate=300 + 60 * (i % 7), depends_on=tuple(deps),
                                  rollback="undo it" if phase == "execute" else "",
                                  rollback_estimate=120 if phase == "execute" else None,
                                  owner=("dba", "net", "app")[i % 3]))
        count += size
        previous = [s.id for s in items]
        phases.append(PhaseSpec(phase, items=tuple(items)))
    return Template(id="cli-bench", name="CLI bench", version="1", window_duration=8 * 3600,
                    phases=tuple(phases))


def build_events(n_items: int, n_events: int) -> tuple[list[Event], str]:
    """The log, and an item left todo and ready (for item done / reopen)."""
    template = build_template(n_items)
    project = instantiate(template, "CLI bench", window=Window(T0, T0 + timedelta(hours=8)),
                          project_id=PID)
    at = T0 - timedelta(days=30)
    events: list[Event] = []
    state: ProjectState | None = None

    def run(command: Command) -> None:
        nonlocal state
        result = decide(state, command)
        assert isinstance(result, list), result
        for event in result:
            state = apply(state, event)
        events.extend(result)

    run(CreateProject(project=project, by=WHO[0], at=at))
    ids = [spec.id for spec in template.items()]
    n = 0
    round_no = 0
    while len(events) < n_events - 1:
        for item_id in ids:
            if len(events) >= n_events - 1:
                break
            n += 1
            moment = at + timedelta(seconds=20 * n)
            who = WHO[n % len(WHO)]
            if round_no == 0:
                run(MoveItem(item=item_id, action=ItemAction.START, by=who, at=moment))
                run(MoveItem(item=item_id, action=ItemAction.DONE, by=who, at=moment))
            elif n % 3 == 0:
                run(AddNote(text=f"checked {item_id}, round {round_no}", item=item_id, by=who,
                            at=moment))
            else:
                run(MoveItem(item=item_id, action=ItemAction.REOPEN, reason="recheck", by=who,
                             at=moment))
                run(MoveItem(item=item_id, action=ItemAction.DONE, by=who, at=moment))
        round_no += 1
    # The item the benchmark moves: the first one (no dependencies), left todo.
    target = ids[0]
    run(MoveItem(item=target, action=ItemAction.REOPEN, reason="bench", by=WHO[0],
                 at=at + timedelta(seconds=20 * (n + 1))))
    return events, target


# --- measuring -------------------------------------------------------------------------

def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    elapsed = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed


def imported(db: Path, args: list[str]) -> set[str]:
    """Top-level packages a command imports (``python -X importtime -m updeck``)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "updeck", "--db", str(db), *args],
                          capture_output=True, text=True, cwd=ROOT)
    return {line.rsplit("|", 1)[-1].strip().split(".")[0]
            for line in proc.stderr.splitlines() if line.startswith("import time:")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--events", type=int, default=50000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    exe = updeck_bin()
    tmp = Path(tempfile.mkdtemp(prefix="updeck-bench-cli-"))
    try:
        t0 = time.perf_counter()
        events, target = build_events(args.items, args.events)
        t1 = time.perf_counter()
        Repository(tmp).import_log(events)
        t2 = time.perf_counter()
        print(f"CLI benchmark: {args.items} items, {len(events)} events "
              f"(built in {t1 - t0:.1f}s, written in {t2 - t1:.1f}s), {args.runs} runs each, "
              f"whole processes ({exe})", flush=True)
        db = ["--db", str(tmp)]
        timed([exe, *db, "status", PID])  # warm the OS file cache once
        show("updeck --version", [timed([exe, "--version"]) for _ in range(args.runs)])
        show("updeck list", [timed([exe, *db, "list"]) for _ in range(max(3, args.runs // 3))])
        show("updeck status P", [timed([exe, *db, "status", PID]) for _ in range(args.runs)], TARGET_MS)
        moves = []
        for i in range(args.runs):
            moves.append(timed([exe, *db, "item", PID, target, "done"]))
            moves.append(timed([exe, *db, "item", PID, target, "reopen", "--note", f"again {i}"]))
        show("updeck item P X done|reopen", moves, TARGET_MS)
        show("updeck status P --json", [timed([exe, *db, "status", PID, "--json"])
                                        for _ in range(max(3, args.runs // 3))])
        for label, argv in (("status", ["status", PID]), ("item", ["item", PID, target, "done"]),
                            ("list", ["list"])):
            found = imported(tmp, argv)
            print(f"  textual imported by `updeck {label}`: {'YES' if 'textual' in found else 'no'}"
                  f" (rich: {'YES' if 'rich' in found else 'no'})", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
