"""Engine benchmark: prints numbers next to their targets; it does not pass or fail.

    .venv/bin/python bench/bench_engine.py [--items 2000] [--events 50000] [--runs 7]

Builds a 2,000-item template (a random DAG across the seven phases, estimates, some
approvals), drives a 50,000-event status log through the engine (notes, moves,
verifications, approvals), then measures:

- ``fold`` of the whole log (target < 300 ms);
- one ``decide`` + ``apply`` + ``compute_schedule`` on the final state (target < 5 ms);
- ``compute_schedule`` alone (target < 4 ms).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from updeck.models.commands import (
    AddNote,
    CreateProject,
    DecideApproval,
    ItemAction,
    MoveItem,
    RecordVerification,
    Refusal,
)
from updeck.models.engine import TRANSITIONS, apply, decide, fold
from updeck.models.events import Event, Operator
from updeck.models.phases import PHASE_IDS
from updeck.models.project import Window, instantiate
from updeck.models.schedule import compute_schedule
from updeck.models.state import ItemStatus, ProjectState
from updeck.models.template import ItemSpec, PhaseSpec, Template

T0 = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)
OPS = (Operator("alice", "jump1", "10.0.0.5"), Operator("bob", "jump1"), Operator("carol"))
ROLES = ("dba", "app-owner", "change-manager")


def build_template(n_items: int, rng: random.Random) -> Template:
    per_phase: dict[str, list[ItemSpec]] = {p: [] for p in PHASE_IDS}
    ids: list[str] = []
    for i in range(n_items):
        phase = PHASE_IDS[min(len(PHASE_IDS) - 1, i * len(PHASE_IDS) // n_items)]
        item_id = f"i{i:04d}"
        deps = tuple(sorted(set(rng.sample(ids[max(0, i - 60):], k=min(len(ids[max(0, i - 60):]),
                                                                      rng.choice((0, 1, 1, 2, 3)))))))
        approval = rng.random() < 0.03
        spec = ItemSpec(
            id=item_id, title=f"Step {i}", phase=phase, depends_on=deps,
            kind="approval" if approval else "task",
            approvers=tuple(rng.sample(ROLES, 2)) if approval else (),
            estimate=None if approval else rng.choice((60, 300, 600, 1800, 3600)),
            rollback=f"Undo step {i}" if phase == "execute" and rng.random() < 0.5 else "",
            rollback_estimate=rng.choice((60, 300)) if phase == "execute" else None,
            due=-86400 * rng.randint(1, 20) if phase in ("assess", "plan", "communicate") else None,
            at=rng.choice((None, None, 600)) if phase == "execute" else None,
            verify="true" if rng.random() < 0.2 else "",
        )
        per_phase[phase].append(spec)
        ids.append(item_id)
    return Template(id="bench", name="Benchmark plan",
                    phases=tuple(PhaseSpec(p, items=tuple(items)) for p, items in per_phase.items()),
                    roles=ROLES, window_duration=8 * 3600)


def move_for(state: ProjectState, item_id: str, legal: dict[ItemStatus, list[ItemAction]],
             rng: random.Random, by: Operator, at: datetime) -> MoveItem | DecideApproval:
    spec = state.specs[item_id]
    status = state.items[item_id].status
    if spec.is_approval and status in (ItemStatus.TODO, ItemStatus.IN_PROGRESS):
        return DecideApproval(item=item_id, go=rng.random() < 0.9, approver=rng.choice(spec.approvers),
                              by=by, at=at)
    actions = legal.get(status, [])
    weights = [8 if a in (ItemAction.START, ItemAction.DONE) else (0.3 if a is ItemAction.REOPEN else 1)
               for a in actions]
    return MoveItem(item=item_id, action=rng.choices(actions, weights)[0], reason="bench", by=by, at=at)


def build_log(template: Template, n_events: int, rng: random.Random) -> tuple[list[Event], ProjectState]:
    clock = T0 - timedelta(days=30)
    project = instantiate(template, "Bench", window=Window(T0, None), project_id="bench-000000")
    result = decide(None, CreateProject(project=project, by=OPS[0], at=clock))
    assert not isinstance(result, Refusal)
    events = list(result)
    state = fold(events)
    ids = list(state.specs)
    legal: dict[ItemStatus, list[ItemAction]] = {}
    for action, status in TRANSITIONS:
        legal.setdefault(status, []).append(action)
    while len(events) < n_events:
        clock += timedelta(seconds=rng.randint(1, 40))
        by = rng.choice(OPS)
        roll = rng.random()
        item_id = rng.choice(ids)
        result: list[Event] | Refusal
        if roll < 0.3:
            result = decide(state, AddNote(text=f"note {len(events)}", item=rng.choice((None, item_id)),
                                           by=by, at=clock))
        elif roll < 0.55:
            result = decide(state, RecordVerification(
                item=item_id, command="true", exit_code=rng.choice((0, 0, 1)), output_tail="ok\n",
                duration=0.2, host="jump1", by=by, at=clock))
        else:
            result = Refusal("no move found")
            for _ in range(8):  # a few items until one move is accepted (most wait for dependencies)
                item_id = rng.choice(ids)
                result = decide(state, move_for(state, item_id, legal, rng, by, clock))
                if not isinstance(result, Refusal):
                    break
        if isinstance(result, Refusal):
            result = decide(state, AddNote(text="refused: " + result.reason, by=by, at=clock))
            assert not isinstance(result, Refusal)
        for event in result:
            state = apply(state, event)
        events.extend(result)
    return events, state


def measure(fn: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each run (CPU time shows the cost on a busy machine)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def _stats(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(label: str, times: tuple[list[float], list[float]], target_ms: float) -> None:
    median, p95 = _stats(times[0])
    cpu_median, cpu_p95 = _stats(times[1])
    verdict = "ok" if p95 < target_ms else ("median ok, p95 over" if median < target_ms else "OVER")
    print(f"{label:<42} median {median:7.2f} ms  p95 {p95:7.2f} ms  (cpu {cpu_median:6.2f} / "
          f"{cpu_p95:6.2f})  target < {target_ms:g} ms  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    t = time.perf_counter()
    template = build_template(args.items, rng)
    events, state = build_log(template, args.events, rng)
    kinds: dict[str, int] = {}
    for event in events:
        kinds[event.kind.value] = kinds.get(event.kind.value, 0) + 1
    print(f"built {args.items} items, {len(events)} events in {time.perf_counter() - t:.1f} s")
    print("  " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])))
    counts: dict[str, int] = {}
    for run in state.items.values():
        counts[run.status.value] = counts.get(run.status.value, 0) + 1
    print("  final states: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))

    report(f"fold {len(events)} events", measure(lambda: fold(events), args.runs), 300)

    now = events[-1].at + timedelta(seconds=30)
    state = fold(events)
    compute_schedule(state, now)  # the plan is cached per template, as in the dashboard
    ids = list(state.specs)
    cycle = 0

    def one_change() -> None:
        nonlocal cycle
        cycle += 1
        item_id = ids[cycle % len(ids)]
        result = decide(state, AddNote(text=f"bench {cycle}", item=item_id, by=OPS[1], at=now))
        assert not isinstance(result, Refusal)
        new = state
        for event in result:
            new = apply(new, event)
        compute_schedule(new, now)

    def one_move() -> None:
        nonlocal cycle
        cycle += 1
        for _ in range(len(ids)):
            item_id = ids[cycle % len(ids)]
            cycle += 1
            status = state.items[item_id].status
            action = ItemAction.REOPEN if status is not ItemStatus.TODO else ItemAction.BLOCK
            result = decide(state, MoveItem(item=item_id, action=action, reason="bench", by=OPS[1], at=now))
            if not isinstance(result, Refusal):
                break
        assert not isinstance(result, Refusal)
        new = state
        for event in result:
            new = apply(new, event)
        compute_schedule(new, now)

    runs = max(50, args.runs * 30)
    report("decide + apply + compute_schedule (note)", measure(one_change, runs), 5)
    report("decide + apply + compute_schedule (move)", measure(one_move, runs), 5)
    report("compute_schedule alone", measure(lambda: compute_schedule(state, now), runs), 4)
    schedule = compute_schedule(state, now)
    print(f"  critical path {len(schedule.critical_path)} items, {schedule.critical_remaining / 3600:.1f} h; "
          f"running {len(schedule.running)}, ready {len(schedule.ready)}, late {len(schedule.late)}, "
          f"backout {len(schedule.backout)} steps")


if __name__ == "__main__":
    main()
