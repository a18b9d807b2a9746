"""Runs benchmark: prints numbers next to their targets; it does not pass or fail.

    .venv/bin/python bench/bench_runs.py [--items 2000] [--runs 5] [--timeline 300] [--repeat 21]

- ``compare_runs`` across 5 rehearsals of a 2,000-item template, every item done with
  its own duration (target < 1 s);
- the timeline of 300 execute items: ``build_timeline`` and every row's text, as the
  timeline view repaints it at 160 columns (target < 50 ms), median and p95.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from updeck.models.commands import CreateProject
from updeck.models.compare import compare_runs
from updeck.models.engine import decide, fold
from updeck.models.events import Operator
from updeck.models.project import Window, instantiate
from updeck.models.runs import rehearsal_of
from updeck.models.schedule import compute_schedule
from updeck.models.state import ItemRun, ItemStatus, ProjectState
from updeck.models.template import ItemSpec, PhaseSpec, Template
from updeck.models.timeline import build_timeline, row_text

T0 = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)
BY = Operator("bench")


def template(n: int, phase: str = "execute") -> Template:
    items = tuple(ItemSpec(id=f"i{i:04d}", title=f"Step {i}", phase=phase, estimate=600,
                           depends_on=(f"i{i - 1:04d}",) if i and i % 7 else ())
                  for i in range(n))
    return Template(id="bench", name="Bench", phases=(PhaseSpec(phase, items=items),),
                    window_duration=8 * 3600)


def walked(project, rng: random.Random, done_fraction: float = 1.0) -> ProjectState:
    """A state with each item done (its own duration), built directly: the engine's own
    speed is bench_engine's business."""
    created = decide(None, CreateProject(project=project, by=BY, at=T0 - timedelta(days=1)))
    assert isinstance(created, list)
    state = fold(created)
    at = T0
    for item_id in state.items:
        if rng.random() > done_fraction:
            continue
        took = rng.randint(300, 1200)
        state.items[item_id] = ItemRun(status=ItemStatus.DONE, started_at=at,
                                       finished_at=at + timedelta(seconds=took))
        at += timedelta(seconds=took // 3)
    return state


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def report(name: str, samples: list[float], target: float) -> None:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"{name:<44} median {statistics.median(samples):8.1f} ms   p95 {p95:8.1f} ms"
          f"   target < {target:g} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeline", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    rng = random.Random(15)
    live = instantiate(template(args.items), "Live", window=Window(T0, T0 + timedelta(hours=8)),
                       project_id="live-0001")
    runs = [walked(rehearsal_of(live, f"R{i}", project_id=f"r-{i:04d}"), rng)
            for i in range(args.runs)]
    report(f"compare {args.runs} runs x {args.items} items", timed(lambda: compare_runs(runs),
                                                                  args.repeat), 1000)

    project = instantiate(template(args.timeline), "Timeline",
                          window=Window(T0, T0 + timedelta(hours=8)), project_id="tl-0001")
    state = walked(project, rng, done_fraction=0.5)
    now = T0 + timedelta(hours=3)

    def repaint() -> None:
        schedule = compute_schedule(state, now)
        timeline = build_timeline(state, schedule, "execute")
        for row in timeline.rows:
            row_text(row, timeline, 22, 134)

    report(f"timeline of {args.timeline} execute items (160 cols)", timed(repaint, args.repeat), 50)


if __name__ == "__main__":
    main()
