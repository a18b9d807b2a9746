"""Runs compared: per item, the estimate against each run's actual duration, the median
and 90th percentile across rehearsals, fails and skips; execute-phase totals against the
window; the items whose drift most threatens the window; estimates proposed from them.

Percentiles use linear interpolation between the closest ranks (Hyndman and Fan type 7,
the default of numpy and of spreadsheets' PERCENTILE.INC): with the n values sorted,
``h = (n - 1) * q`` and the result is ``x[floor h] + (h - floor h) * (x[floor h + 1] -
x[floor h])``. The median is the 50th percentile. Only items that were done count: a
failed or skipped item has no actual duration (it is counted under fails or skips).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from updeck.models.plan import plan_for
from updeck.models.state import ItemStatus, ProjectState
from updeck.models.template import ItemSpec
from updeck.models.timeline import planned_critical_path

EXECUTE = "execute"
BASES: tuple[str, ...] = ("p50", "p90")


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) of ``values`` by linear interpolation (type 7)."""
    if not values:
        return None
    ordered = sorted(values)
    h = (len(ordered) - 1) * q
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


@dataclass(frozen=True, slots=True)
class RunRef:
    id: str
    name: str
    rehearsal_of: str  # "" for a live run
    counted: bool  # its actuals enter the median and p90


@dataclass(frozen=True, slots=True)
class RunResult:
    """One item in one run."""

    status: str
    actual: float | None  # seconds, done items only
    reason: str


@dataclass(frozen=True, slots=True)
class ItemComparison:
    item: str
    title: str
    phase: str
    estimate: int | None
    runs: tuple[RunResult, ...]  # one per run, in the order the runs were given
    median: float | None
    p90: float | None
    fails: int
    skips: int
    critical: bool  # on the plan's critical path

    @property
    def variance(self) -> float | None:
        """Median minus estimate (positive: slower than planned)."""
        if self.median is None or self.estimate is None:
            return None
        return self.median - self.estimate

    @property
    def drift(self) -> float:
        """p90 minus estimate: what the item may cost the window beyond its plan."""
        if self.p90 is None:
            return 0.0
        return self.p90 - (self.estimate or 0)

    @property
    def reasons(self) -> tuple[tuple[int, str, str], ...]:
        """(run index, status, reason) of the runs where the item failed, was skipped or
        blocked with a reason."""
        return tuple((i, r.status, r.reason) for i, r in enumerate(self.runs)
                     if r.reason and r.status in ("failed", "skipped", "blocked"))


@dataclass(frozen=True, slots=True)
class ExecuteTotals:
    planned: int | None  # the plan's execute span: latest planned finish from T
    window: float | None  # the window's length
    runs: tuple[float | None, ...]  # per run: first start to last finish of execute items
    median: float | None
    p90: float | None

    @property
    def p90_margin(self) -> float | None:
        if self.window is None or self.p90 is None:
            return None
        return self.window - self.p90


@dataclass(frozen=True, slots=True)
class Comparison:
    runs: tuple[RunRef, ...]
    items: tuple[ItemComparison, ...]  # template order
    execute: ExecuteTotals
    threats: tuple[ItemComparison, ...]  # execute items, most threatening first

    def item(self, item_id: str) -> ItemComparison:
        for entry in self.items:
            if entry.item == item_id:
                return entry
        raise KeyError(item_id)

    def estimates(self, basis: str) -> dict[str, int]:
        """Whole seconds per item with a statistic: ``p50`` (median) or ``p90``."""
        if basis not in BASES:
            raise ValueError(f"unknown basis {basis!r}; expected one of {', '.join(BASES)}")
        out: dict[str, int] = {}
        for entry in self.items:
            value = entry.median if basis == "p50" else entry.p90
            if value is not None:
                out[entry.item] = math.ceil(value)
        return out


def _span(state: ProjectState, ids: Sequence[str]) -> float | None:
    starts = [r.started_at for i in ids if (r := state.items[i]).started_at is not None]
    ends = [r.finished_at for i in ids if (r := state.items[i]).finished_at is not None
            and r.status is ItemStatus.DONE]
    if not starts or not ends:
        return None
    return (max(ends) - min(starts)).total_seconds()


def compare_runs(states: Sequence[ProjectState], window: float | None = None) -> Comparison:
    """Compare runs of one template. The median and p90 are taken across the rehearsals
    among ``states``; when none of them is a rehearsal, across all of them. Items are
    those of the first run (runs of one project share its template). ``window`` is the
    window's length to set the execute totals against; by default that of the first live
    run with a planned window, else of any run, else the template's default."""
    if not states:
        raise ValueError("nothing to compare: give at least one run")
    first = states[0]
    any_rehearsal = any(s.project.rehearsal_of for s in states)
    counted = [bool(s.project.rehearsal_of) or not any_rehearsal for s in states]
    refs = tuple(RunRef(s.id, s.project.name, s.project.rehearsal_of, c)
                 for s, c in zip(states, counted, strict=True))
    plan = plan_for(first)  # cached per project: the dashboard and status built it already
    critical = set(planned_critical_path(plan, first.specs))
    items: list[ItemComparison] = []
    for spec in first.specs.values():
        results: list[RunResult] = []
        for state in states:
            run = state.items.get(spec.id)
            if run is None:
                results.append(RunResult("absent", None, ""))
                continue
            actual = run.actual_duration if run.status is ItemStatus.DONE else None
            results.append(RunResult(run.status.value, actual, run.reason))
        values = [r.actual for r, c in zip(results, counted, strict=True)
                  if c and r.actual is not None]
        items.append(ItemComparison(
            item=spec.id, title=spec.title, phase=spec.phase, estimate=spec.estimate,
            runs=tuple(results), median=percentile(values, 0.5), p90=percentile(values, 0.9),
            fails=sum(1 for r in results if r.status == "failed"),
            skips=sum(1 for r in results if r.status == "skipped"),
            critical=spec.id in critical))
    execute_ids = [s.id for s in first.specs.values() if s.phase == EXECUTE]
    spans = tuple(_span(s, [i for i in execute_ids if i in s.items]) for s in states)
    counted_spans = [v for v, c in zip(spans, counted, strict=True) if c and v is not None]
    finishes = [f for i in execute_ids if (f := plan.planned_finish.get(i)) is not None]
    if window is None:
        ordered = sorted(states, key=lambda s: bool(s.project.rehearsal_of))
        window = next((w for s in ordered if (w := s.window.duration)),
                      first.project.template.window_duration)
    totals = ExecuteTotals(planned=max(finishes) if finishes else None,
                           window=float(window) if window else None, runs=spans,
                           median=percentile(counted_spans, 0.5),
                           p90=percentile(counted_spans, 0.9))
    threats = sorted((e for e in items if e.phase == EXECUTE),
                     key=lambda e: (not (e.critical and e.drift > 0), -e.drift))
    return Comparison(refs, tuple(items), totals, tuple(threats))


def with_estimates(state: ProjectState, estimates: Mapping[str, int]) -> ProjectState:
    """The same state with some items' estimates replaced (a forecast from rehearsal
    actuals); the log and the actuals are untouched."""
    specs: dict[str, ItemSpec] = {
        item_id: replace(spec, estimate=estimates[item_id]) if item_id in estimates else spec
        for item_id, spec in state.specs.items()}
    return replace(state, specs=specs)


def exact_duration(seconds: int) -> str:
    """A duration the template format reads back to the same seconds: ``1h5m30s``."""
    if seconds <= 0:
        return "0s"
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def comparison_data(comparison: Comparison) -> dict[str, object]:
    """The comparison as plain data (``updeck compare --json``); durations in seconds."""
    runs = comparison.runs

    def item_data(entry: ItemComparison) -> dict[str, object]:
        return {
            "item": entry.item, "title": entry.title, "phase": entry.phase,
            "estimate": entry.estimate, "critical": entry.critical,
            "actuals": {ref.id: _round(r.actual) for ref, r in zip(runs, entry.runs, strict=True)},
            "statuses": {ref.id: r.status for ref, r in zip(runs, entry.runs, strict=True)},
            "median": _round(entry.median), "p90": _round(entry.p90),
            "variance": _round(entry.variance), "drift_p90": _round(entry.drift),
            "fails": entry.fails, "skips": entry.skips,
            "reasons": [{"run": runs[i].id, "status": status, "reason": reason}
                        for i, status, reason in entry.reasons],
        }

    totals = comparison.execute
    return {
        "percentile_method": "linear interpolation between closest ranks (type 7)",
        "runs": [{"id": r.id, "name": r.name, "rehearsal_of": r.rehearsal_of or None,
                  "counted": r.counted} for r in runs],
        "execute": {
            "planned": totals.planned, "window": totals.window,
            "actuals": {ref.id: _round(v) for ref, v in zip(runs, totals.runs, strict=True)},
            "median": _round(totals.median), "p90": _round(totals.p90),
            "p90_margin": _round(totals.p90_margin),
        },
        "threats": [{"item": e.item, "drift_p90": _round(e.drift), "critical": e.critical}
                    for e in comparison.threats if e.drift > 0],
        "items": [item_data(e) for e in comparison.items],
    }
