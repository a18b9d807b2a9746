"""rehearse, compare, status --forecast and list grouping, on runs built by the engine."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from updeck.models.commands import ItemAction
from updeck.storage.repository import Repository

from tests.support.cli import Cli
from tests.support.runs import rehearsal_run

T0 = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)


def walked(cli: Cli) -> tuple[str, list[str]]:
    """A live project and two rehearsals walked with known durations."""
    live_id = cli.ok("new", "mini", "--name", "CRM", "--var", "ticket=CHG-7",
                     "--window", "2030-12-05T22:00/2030-12-06T00:00").strip()
    repo = Repository(cli.db)
    live = repo.load(live_id).project
    ids = []
    for n, (stop, upgrade) in enumerate(((600, 3000), (1200, 3600)), start=1):
        driver = rehearsal_run(live, f"CRM dry run {n}", T0 - timedelta(days=10 - n),
                               {"inventory": 1800, "rehearse": 3600},
                               run_id=f"crm-dry-{n}")
        driver.move("optional-check", ItemAction.SKIP, "not in a rehearsal")
        driver.approve("go-no-go", "change-manager", "app-owner")
        if driver.state.items["go-no-go"].status.value != "done":
            driver.move("go-no-go", ItemAction.DONE)
        driver.work("stop-apps", stop)
        driver.work("upgrade", upgrade)
        repo.import_log(driver.events)
        ids.append(driver.state.id)
    return live_id, ids


def test_rehearse_makes_a_linked_run_marked_everywhere(cli: Cli) -> None:
    live_id = cli.ok("new", "mini", "--name", "CRM", "--var", "ticket=CHG-7").strip()
    other = cli.ok("new", "other", "--name", "Zed").strip()
    run_id = cli.ok("rehearse", live_id, "--window", "2030-01-01T20:00").strip()
    assert run_id != live_id
    status = json.loads(cli.ok("status", run_id, "--json"))
    assert status["project"]["rehearsal_of"] == live_id
    assert status["project"]["name"] == "CRM rehearsal 1"
    assert status["window"]["planned_end"].startswith("2030-01-02T00:00")  # template's 4h
    assert cli.ok("status", run_id).startswith(f"REHEARSAL of {live_id}")
    rows = json.loads(cli.ok("list", "--json"))
    order = [r["id"] for r in rows]
    assert order.index(run_id) == order.index(live_id) + 1
    assert other in order
    listing = cli.ok("list")
    assert "REHEARSAL CRM rehearsal 1" in listing
    assert "REHEARSAL" in cli.ok("export", run_id, "--format", "md").splitlines()[0]
    assert "<h1>REHEARSAL" in cli.ok("export", run_id, "--format", "html")
    assert json.loads(cli.ok("export", run_id, "--format", "json"))["project"]["rehearsal_of"] == live_id
    assert cli.ok("check-log", run_id)
    second = cli.ok("rehearse", run_id, "--name", "again").strip()
    assert json.loads(cli.ok("status", second, "--json"))["project"]["rehearsal_of"] == live_id


def test_compare_forecast_and_proposed_estimates(cli: Cli) -> None:
    live_id, runs = walked(cli)
    data = json.loads(cli.ok("compare", *runs, "--json"))
    items = {i["item"]: i for i in data["items"]}
    assert items["stop-apps"]["actuals"] == {runs[0]: 600, runs[1]: 1200}
    assert items["stop-apps"]["median"] == 900 and items["stop-apps"]["p90"] == 1140
    assert items["upgrade"]["median"] == 3300 and items["upgrade"]["p90"] == 3540
    assert items["optional-check"]["skips"] == 2
    assert items["optional-check"]["reasons"][0]["reason"] == "not in a rehearsal"
    assert data["threats"][0]["item"] == "upgrade"
    # the live project alone: its rehearsals, and itself (its window) last
    whole = json.loads(cli.ok("compare", live_id, "--json"))
    assert [r["id"] for r in whole["runs"]] == [*runs, live_id]
    assert whole["execute"]["window"] == 7200
    assert "upgrade" in cli.ok("compare", live_id)
    assert "| item |" in cli.ok("compare", live_id, "--format", "md")
    page = cli.ok("compare", live_id, "--format", "html")
    assert "<script" not in page and "stop-apps" in page

    patch = cli.root / "estimates.yaml"
    cli.ok("compare", live_id, "--propose-estimates", "-o", str(patch))
    text = patch.read_text()
    assert "extends: mini" in text and "estimate: 19m" in text  # p90 of stop-apps: 1140 s
    assert "{{ticket}}" in text  # from the template file, not the project's substituted copy
    assert cli("validate", str(patch)).code == 0

    plain = json.loads(cli.ok("status", live_id, "--json"))["forecast"]
    p90 = json.loads(cli.ok("status", live_id, "--json", "--forecast", "p90"))["forecast"]
    assert p90["basis"] == "p90 of 2 rehearsal(s)"
    assert p90["finish"] != plain["finish"]
    assert p90["remaining"] > plain["remaining"]
    assert "estimates: p90" in cli.ok("status", live_id, "--forecast", "p90")


def test_forecast_and_compare_without_rehearsals_say_what_to_do(cli: Cli) -> None:
    live_id = cli.ok("new", "mini", "--name", "CRM", "--var", "ticket=CHG-7").strip()
    result = cli("status", live_id, "--forecast", "p50")
    assert result.code == 1 and f"updeck rehearse {live_id}" in result.err
    result = cli("compare", live_id)
    assert result.code == 1 and "rehearse" in result.err
