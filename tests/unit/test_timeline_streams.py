"""The timeline grouped by workstream: a heading per stream (named streams in order of
first appearance, then the items without one), critical-path marks kept, and with no
streams the same lines as before."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from updeck.models.schedule import compute_schedule
from updeck.models.timeline import CRITICAL, build_timeline, stream_groups
from updeck.tui.common.timeline_text import timeline_lines

from tests.support.engine import T0, A, Driver, item

NOW = T0 - timedelta(hours=1)


def items(streams: bool) -> list[Any]:
    def s(name: str) -> dict[str, str]:
        return {"stream": name} if streams else {}

    return [item("dump-db", estimate=1800, **s("dba")),
            item("stop-app", estimate=600, **s("app")),
            item("restore-db", estimate=3600, depends_on=["dump-db", "stop-app"], **s("dba")),
            item("start-app", estimate=600, depends_on=["restore-db"], **s("app")),
            item("announce", estimate=300, depends_on=["start-app"])]


def timeline_of(streams: bool) -> Any:
    driver = Driver(*items(streams))
    driver.move("dump-db", A.START)
    driver.move("dump-db", A.DONE)
    state = driver.state
    return build_timeline(state, compute_schedule(state, NOW), "execute")


def test_rows_are_grouped_by_stream_with_a_heading_each() -> None:
    timeline = timeline_of(streams=True)
    groups = stream_groups(timeline)
    assert [(name, [r.item for r in rows]) for name, rows in groups] == [
        ("dba", ["dump-db", "restore-db"]),  # first appearance in planned order
        ("app", ["stop-app", "start-app"]),
        ("", ["announce"]),  # the items without a stream come last
    ]
    lines = timeline_lines(timeline, 80)
    assert lines[0].startswith("execute phase, 5 items   ")  # the legend as without streams
    body = lines[4:]
    headings = [i for i, line in enumerate(body) if line.startswith("── ")]
    assert [body[i].split()[1] for i in headings] == ["dba", "app", "(no"]
    assert body[headings[0]].startswith("── dba  1/2 done")
    row_width = len(body[headings[0] + 1])
    assert all(len(body[i]) == row_width for i in headings)  # as wide as the rows
    ends = [*headings[1:], len(body)]
    under = {body[h].split()[1]: [line.split()[1] for line in body[h + 1:end]]
             for h, end in zip(headings, ends, strict=True)}
    assert under == {"dba": ["dump-db", "restore-db"], "app": ["stop-app", "start-app"],
                     "(no": ["announce"]}


def test_grouping_keeps_every_row_and_its_critical_mark() -> None:
    grouped = timeline_lines(timeline_of(streams=True), 100)
    flat = timeline_lines(timeline_of(streams=False), 100)
    rows = [line for line in grouped[4:] if not line.startswith("── ")]
    assert sorted(rows) == sorted(flat[4:])  # the same rows, only ordered by stream
    critical = [line.split()[1] for line in rows if line.startswith(CRITICAL)]
    assert {"dump-db", "restore-db", "start-app", "announce"} <= set(critical)
    heading = next(line for line in grouped if line.startswith("── dba"))
    assert f"2 {CRITICAL} critical" in heading


def test_without_streams_the_timeline_is_one_list_as_before() -> None:
    timeline = timeline_of(streams=False)
    assert stream_groups(timeline) == ()
    lines = timeline_lines(timeline, 80)
    assert lines[0].startswith("execute phase, 5 items   ")
    assert not [line for line in lines if line.startswith("── ")]
    order = [line.split()[1] for line in lines[4:]]
    assert order == [r.item for r in timeline.rows]  # planned order
