"""Runs compared: rehearsals built by the engine with known durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from updeck.models.compare import (
    compare_runs,
    comparison_data,
    exact_duration,
    percentile,
    with_estimates,
)
from updeck.models.durations import parse_duration
from updeck.models.project import Window, instantiate
from updeck.models.runs import group_runs, rehearsal_of
from updeck.models.schedule import compute_schedule

from tests.support.engine import item, template
from tests.support.runs import rehearsal_run

T0 = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)


def live_project():
    plan = template(
        item("prep", phase="plan", estimate=600),
        item("stop", estimate=600),
        item("migrate", estimate=1800, depends_on=["stop"]),
        item("side", estimate=300, depends_on=["stop"]),
        item("start", estimate=600, depends_on=["migrate", "side"]),
    )
    return instantiate(plan, "Live", window=Window(T0, T0 + timedelta(hours=1)), project_id="live-1")


def three_rehearsals():
    live = live_project()
    runs = [
        rehearsal_run(live, "R1", T0 - timedelta(days=9),
                      {"stop": 600, "migrate": 2400, "side": 300, "start": 600}, run_id="r-1"),
        rehearsal_run(live, "R2", T0 - timedelta(days=6),
                      {"stop": 900, "migrate": 3000, "side": 200, "start": 500}, run_id="r-2"),
        rehearsal_run(live, "R3", T0 - timedelta(days=3),
                      {"stop": 660, "migrate": 2700, "start": 700}, skips={"side": "no side job today"},
                      run_id="r-3"),
    ]
    return live, [r.state for r in runs]


def test_percentile_is_linear_between_closest_ranks() -> None:
    assert percentile([600, 1200], 0.5) == 900
    assert percentile([600, 1200], 0.9) == pytest.approx(1140)
    assert percentile([3, 1, 2], 0.5) == 2
    assert percentile([10, 20, 30, 40], 0.9) == pytest.approx(37)
    assert percentile([5], 0.9) == 5
    assert percentile([], 0.5) is None


def test_rehearsal_is_its_own_run_linked_to_the_project() -> None:
    live = live_project()
    run = rehearsal_of(live, "dry run", project_id="dry-1")
    assert run.id == "dry-1" and run.rehearsal_of == "live-1" and run.is_rehearsal
    assert run.template is live.template
    again = rehearsal_of(run, "dry run 2")
    assert again.rehearsal_of == "live-1"  # a rehearsal of a rehearsal rehearses the project
    driver = rehearsal_run(live, "R", T0, {"stop": 60}, run_id="r-x")
    assert driver.events[0].payload["project"]["rehearsal_of"] == "live-1"
    assert driver.events[0].prev != "" and driver.state.project.rehearsal_of == "live-1"


def test_group_runs_puts_rehearsals_under_their_project() -> None:
    live, states = three_rehearsals()
    from tests.support.runs import RunDriver

    live_state = RunDriver(live, T0).state
    other = RunDriver(instantiate(template(item("x")), "Other", project_id="other-1"), T0).state
    grouped = group_runs([states[0], other, live_state, states[1]])
    assert [s.id for s in grouped] == ["other-1", "live-1", "r-1", "r-2"]


def test_compare_gives_actuals_median_p90_fails_and_skips() -> None:
    live, states = three_rehearsals()
    comparison = compare_runs(states, window=live.window.duration)
    assert compare_runs(states).execute.window == 4 * 3600  # no live run: the template's
    migrate = comparison.item("migrate")
    assert [r.actual for r in migrate.runs] == [2400, 3000, 2700]
    assert migrate.median == 2700
    assert migrate.p90 == pytest.approx(2940)  # 2700 + 0.8 * 300
    assert migrate.variance == 900
    side = comparison.item("side")
    assert [r.actual for r in side.runs] == [300, 200, None]
    assert side.median == 250 and side.p90 == pytest.approx(290)
    assert side.skips == 1 and side.reasons == ((2, "skipped", "no side job today"),)
    stop = comparison.item("stop")
    assert stop.median == 660 and stop.p90 == pytest.approx(852)  # 660 + 0.8 * 240
    assert comparison.item("prep").median is None  # never done: no statistic
    # execute totals: first start to last finish per run
    assert comparison.execute.runs == (3900, 4600, 4060)
    assert comparison.execute.median == 4060
    assert comparison.execute.window == 3600
    assert comparison.execute.planned == 3000  # stop 10m + migrate 30m + start 10m
    # critical-path drift first: migrate (+1140) before stop (+252); side is off the path
    assert [e.item for e in comparison.threats][:2] == ["migrate", "stop"]
    assert comparison.item("migrate").critical and not comparison.item("side").critical
    data = comparison_data(comparison)
    assert data["items"][2]["actuals"] == {"r-1": 2400, "r-2": 3000, "r-3": 2700}
    assert data["threats"][0] == {"item": "migrate", "drift_p90": 1140, "critical": True}


def test_live_run_is_shown_but_not_counted() -> None:
    live, states = three_rehearsals()
    from tests.support.runs import RunDriver

    driver = RunDriver(live, T0)
    driver.work("stop", 10_000)
    comparison = compare_runs([*states, driver.state])
    stop = comparison.item("stop")
    assert stop.runs[-1].actual == 10_000 and stop.median == 660
    assert [r.counted for r in comparison.runs] == [True, True, True, False]


def test_forecast_with_p90_differs_from_the_estimates() -> None:
    live, states = three_rehearsals()
    from tests.support.runs import RunDriver

    state = RunDriver(live, T0 - timedelta(hours=1)).state
    now = T0 - timedelta(minutes=30)
    plain = compute_schedule(state, now)
    estimates = compare_runs(states).estimates("p90")
    assert estimates["migrate"] == 2940 and estimates["stop"] == 852
    forecast = compute_schedule(with_estimates(state, estimates), now)
    assert forecast.forecast_finish > plain.forecast_finish
    assert estimates["start"] == 680  # 600 + 0.8 * 100
    # both wait for T, then the critical path stop -> migrate -> start
    assert (forecast.forecast_finish - plain.forecast_finish).total_seconds() == \
        (852 + 2940 + 680) - (600 + 1800 + 600)


@pytest.mark.parametrize("seconds", [1, 59, 60, 61, 3600, 3661, 90061, 2940])
def test_exact_duration_reads_back(seconds: int) -> None:
    assert parse_duration(exact_duration(seconds)) == seconds
