"""Benchmark: load and validate a 2,000-item template that extends a parent.

Run: ``python bench/bench_templates.py [--items 2000] [--runs 15]``. Prints the median
and p95 wall time of ``load_template_file`` (parse, validate, resolve inheritance,
check references and cycles) against the target of 500 ms. Numbers, not pass/fail.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from updeck.models.phases import PHASE_IDS
from updeck.storage.templates import load_template_file

TARGET_MS = 500.0


def parent_text() -> str:
    return """format: 1
id: bench-parent
name: Bench parent
roles: [ops, dba]
variables:
  - name: system
    prompt: System
    default: bench
phases:
  requirements:
    items:
      - id: req-a
        title: Requirement A
        priority: must
        goal: Keep going
  execute:
    items:
      - id: parent-go
        title: Go/no-go
        kind: approval
        approvers: [ops, dba]
        at: T-30m
      - id: parent-drop-me
        title: Dropped by the child
"""


def child_text(count: int) -> str:
    lines = ["format: 1", "id: bench-child", "name: Bench child {{system}}", "extends: bench-parent",
             "drop: [parent-drop-me]", "window:", "  duration: 8h", "phases:"]
    per_phase = count // len(PHASE_IDS)
    n = 0
    previous = "parent-go"
    for phase in PHASE_IDS:
        lines += [f"  {phase}:", f"    description: Phase {phase} of {{{{system}}}}", "    items:"]
        for _ in range(per_phase if phase != PHASE_IDS[-1] else count - n):
            n += 1
            item_id = f"step-{n:05d}"
            lines += [
                f"      - id: {item_id}",
                f"        title: Do step {n} on {{{{system}}}}",
                "        owner: ops",
                "        estimate: 15m",
                f"        depends_on: [{previous}]",
                f"        verify: systemctl is-active step-{n}.service",
                "        rollback: Undo the step",
                "        rollback_estimate: 5m",
                "        tags: [bench, generated]",
            ]
            if phase == "test":
                lines.append("        covers: [req-a]")
            if phase == "requirements":
                lines.append("        priority: should")
            previous = item_id
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "parent.yaml").write_text(parent_text(), encoding="utf-8")
        child = folder / "child.yaml"
        child.write_text(child_text(args.items), encoding="utf-8")
        size = child.stat().st_size
        wall: list[float] = []
        cpu: list[float] = []
        loaded = load_template_file(child, [folder])  # warm-up, and a sanity check
        assert sum(1 for _ in loaded.template.items()) == args.items + 2
        for _ in range(args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            load_template_file(child, [folder])
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    print(f"template load+validate: {args.items} items extending a parent ({size / 1024:.0f} KiB), "
          f"{args.runs} runs (the machine may be shared: CPU time is the steadier number)")
    for label, times in (("wall", wall), ("cpu ", cpu)):
        times.sort()
        median = statistics.median(times)
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        verdict = "within" if p95 < TARGET_MS else "OVER"
        print(f"  {label}  median {median:6.1f} ms   p95 {p95:6.1f} ms   min {times[0]:6.1f} ms   "
              f"target < {TARGET_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
