"""Markdown runbook import: each messy construct on its own, then the real runbooks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from updeck.storage.markdown_import import ImportResult, MarkdownImportError, import_markdown
from updeck.storage.templates import ITEM_ID, load_template_text

RUNBOOKS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "runbooks"
CHECKBOX_LINE = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+\[[ xX]\]", re.M)


def items(result: ImportResult) -> list[dict[str, Any]]:
    return [item for phase in result.template_dict["phases"].values() for item in phase["items"]]


def by_title(result: ImportResult) -> dict[str, dict[str, Any]]:
    return {item["title"]: item for item in items(result)}


def phases(result: ImportResult) -> dict[str, list[str]]:
    found = result.template_dict["phases"]
    return {phase: [i["title"] for i in body["items"]] for phase, body in found.items()}


def imported(text: str, **kwargs: Any) -> ImportResult:
    result = import_markdown(text, **kwargs)
    load_template_text(result.yaml_text, "imported.yaml", [])  # always valid
    assert yaml.safe_load(result.yaml_text) == result.template_dict
    for item in items(result):
        assert ITEM_ID.fullmatch(item["id"])
    return result


def test_checkbox_styles() -> None:
    result = imported("# Steps\n- [ ] One\n* [ ] Two\n- [x] Three\n+ [X] Four\n1. [ ] Five\n")
    assert [i["title"] for i in items(result)] == ["One", "Two", "Three", "Four", "Five"]
    assert result.checkbox_count == 5 and result.items_count == 5


def test_plain_list_steps() -> None:
    result = imported("# Do it\n- Stop the app\n* Back up the database\n1. Upgrade the packages\n"
                      "2) Start the app\n")
    assert [i["title"] for i in items(result)] == [
        "Stop the app", "Back up the database", "Upgrade the packages", "Start the app"]
    assert result.checkbox_count == 0


@pytest.mark.parametrize("width", [2, 3, 4])
def test_nesting_widths(width: int) -> None:
    pad = " " * width
    text = (f"# Steps\n- Upgrade the primary\n{pad}- note: takes a while\n{pad}{pad}- deeper detail\n"
            "- Upgrade the replica\n")
    result = imported(text)
    assert [i["title"] for i in items(result)] == ["Upgrade the primary", "Upgrade the replica"]
    details = by_title(result)["Upgrade the primary"]["details"]
    assert "note: takes a while" in details and "deeper detail" in details


def test_nested_checkboxes_are_items() -> None:
    text = "# Steps\n- [ ] Parent step\n    - [ ] Child step\n      - plain detail\n- [ ] Next step\n"
    result = imported(text)
    assert [i["title"] for i in items(result)] == ["Parent step", "Child step", "Next step"]
    assert "plain detail" in by_title(result)["Child step"]["details"]


def test_lazy_continuation_lines() -> None:
    text = "# Steps\n* [ ] Use the CLI to upgrade the masters. They\nmust be done before the node pools.\n"
    item = items(imported(text))[0]
    assert item["title"] == "Use the CLI to upgrade the masters. They must be done before the node pools."
    assert "details" not in item


def test_checkboxes_inside_details() -> None:
    text = ("# Cutover\n<details>\n<summary>Database steps</summary>\n\n- [ ] Stop writers\n"
            "- [ ] Run the migration\n</details>\n")
    result = imported(text)
    assert [i["title"] for i in items(result)] == ["Stop writers", "Run the migration"]
    assert items(result)[0]["x-section"] == "Database steps"


@pytest.mark.parametrize(("heading", "phase"), [
    ("Pre-checks", "assess"), ("Prerequisites", "assess"), ("Preparation", "assess"),
    ("Post-upgrade checks", "monitor"), ("Verify", "monitor"), ("Monitoring", "monitor"),
    ("Validation", "monitor"), ("Testing", "test"), ("Rehearsal", "test"),
    ("Communicate", "communicate"), ("Announce the change", "communicate"),
    ("Requirements", "requirements"), ("Upgrade the cluster", "execute"), ("PostgreSQL upgrade", "execute"),
])
def test_heading_words_map_to_phases(heading: str, phase: str) -> None:
    result = imported(f"# Runbook\n## {heading}\n- [ ] A step\n")
    assert list(result.template_dict["phases"]) == [phase]


def test_nested_headings_inherit_their_phase() -> None:
    result = imported("## Pre-checks\n### Database\n- [ ] Check replication\n## Cutover\n- [ ] Switch\n")
    assert phases(result) == {"assess": ["Check replication"], "execute": ["Switch"]}


def test_bold_lines_act_as_headings() -> None:
    result = imported("# Release\n**Testing plans**- *What do we test?*\n- Run the smoke suite\n")
    assert phases(result) == {"test": ["Run the smoke suite"]}


def test_rollback_sections() -> None:
    text = ("## Upgrade\n- [ ] Run the upgrade\n## Rollback\nIf it fails, restore the snapshot.\n"
            "- [ ] Restore the snapshot\n```\nrestore --latest\n```\n")
    result = imported(text)
    [upgrade] = items(result)  # the rollback section is the rollback of the step before it
    assert "If it fails, restore the snapshot." in upgrade["rollback"]
    assert "- Restore the snapshot" in upgrade["rollback"] and "restore --latest" in upgrade["rollback"]
    assert result.folded_into_rollback == 1 and result.checkbox_count == 2


def test_a_runbook_that_is_all_rollback_keeps_its_steps() -> None:
    [restore] = items(imported("## Rollback\n- [ ] Restore the snapshot\n"))
    assert restore["required"] is False and restore["tags"] == ["rollback"]
    assert restore["when"] == "only when rolling back"


def test_rollback_prose_before_any_step_goes_to_the_first_step() -> None:
    result = imported("## Rollback (or lack thereof)\nThere is none: call support.\n## Steps\n- Upgrade\n")
    assert items(result)[0]["rollback"] == "There is none: call support."


def test_code_after_a_step_is_verify_or_details() -> None:
    text = ("# Steps\n- [ ] Upgrade the masters\n\n```\ngcloud container clusters upgrade <CLUSTER>\n```\n\n"
            "Then confirm:\n\n```\nkubectl version\n```\n"
            "- [ ] Check the pods\n```sh\nkubectl get pods -A\n```\n")
    result = imported(text)
    upgrade = by_title(result)["Upgrade the masters"]
    assert upgrade["verify"] == "kubectl version"
    assert "gcloud container clusters upgrade <CLUSTER>" in upgrade["details"]
    assert by_title(result)["Check the pods"]["verify"] == "kubectl get pods -A"


def test_inline_command_of_a_check_step_is_its_verify() -> None:
    item = items(imported("# Post checks\n1. Verify the version with: `psql -c \"select version();\"`\n"))[0]
    assert item["verify"] == 'psql -c "select version();"' and item["kind"] == "check"


def test_owner_mentions() -> None:
    result = imported("# Steps\n- [ ] Stop writers @alice\n- [ ] Mail ops@example.com\n")
    assert items(result)[0]["owner"] == "alice"
    assert "owner" not in items(result)[1]


@pytest.mark.parametrize(("text", "estimate"), [
    ("Drain the nodes (~30 minutes)", "30m"), ("Run the migration, 2 hours", "2h"),
    ("Reindex (mins): 15", "15m"), ("Reindex 15 (mins)", "15m"), ("Pause pools for 30-60 seconds", "1m"),
    ("Wait 45s", "45s"), ("Copy data, takes 1h30m", "1h30m"), ("Upgrade to v1.18 on 2 hosts", None),
])
def test_durations_in_prose(text: str, estimate: str | None) -> None:
    item = items(imported(f"# Steps\n- [ ] {text}\n"))[0]
    assert item.get("estimate") == estimate


def test_duration_in_the_text_after_a_step() -> None:
    text = "# Steps\n- [ ] Upgrade the masters\n\nThis can take up to 40 minutes.\n"
    assert items(imported(text))[0]["estimate"] == "40m"


def test_placeholders_kept_verbatim() -> None:
    text = ("# Steps\n- [ ] Upgrade <CLUSTER> to <VERSION> (X.Y)\n"
            "```sh\nkubectl version | grep <VERSION>\n```\n")
    item = items(imported(text))[0]
    assert item["title"] == "Upgrade <CLUSTER> to <VERSION> (X.Y)"
    assert item["verify"] == "kubectl version | grep <VERSION>"


def test_unclosed_code_fence_does_not_swallow_steps() -> None:
    text = ("# Steps\n- Update the binaries:\n\n```shell\napt-get install -y pg\n\n"
            "### Post checks\n1. Check it\n")
    result = imported(text)
    assert phases(result) == {"execute": ["Update the binaries:"], "monitor": ["Check it"]}
    assert any("never closes" in s for s in result.skipped)


def test_html_comments() -> None:
    text = ("# Steps\n<!-- - [ ] Hidden step\n- [ ] Another hidden -->\n- [ ] Visible <!-- note --> step\n"
            "<!-- broken comment\n- [ ] After the broken comment\n")
    result = imported(text)
    assert [i["title"] for i in items(result)] == ["Visible step", "After the broken comment"]
    assert sum("inside an HTML comment" in s for s in result.skipped) == 2
    assert any("never closes" in s for s in result.skipped)


def test_checkbox_inside_code_is_reported() -> None:
    result = imported("# Steps\n- [ ] Real step\n```md\n- [ ] example inside code\n```\n")
    assert result.items_count == 1
    assert any("inside a code block" in s for s in result.skipped)


def test_zero_width_space_and_no_final_newline() -> None:
    result = imported("# Steps\n- [ ] \u200bStop\u200b the app\n- [ ] Start the app")
    assert [i["title"] for i in items(result)] == ["Stop the app", "Start the app"]


def test_ids_are_derived_unique_and_stable() -> None:
    text = "# Steps\n- Fill out the form\n- Fill out the form\n- Fill out the form\n- !!!\n"
    first = imported(text)
    assert [i["id"] for i in items(first)] == [
        "fill-out-the-form", "fill-out-the-form-2", "fill-out-the-form-3", "step"]
    assert imported(text).yaml_text == first.yaml_text


def test_long_titles_are_cut_and_kept_in_details() -> None:
    long = "Rotate " + "the very long credential name " * 6 + "now"
    item = items(imported(f"# Steps\n- [ ] {long}\n"))[0]
    assert len(item["title"]) <= 101 and item["title"].endswith("…")
    assert long in item["details"]
    assert len(item["id"]) <= 48


def test_sequential_dependencies_within_a_section_only() -> None:
    result = imported("## One\n- A\n- B\n## Two\n- C\n")
    a, b, c = items(result)
    assert "depends_on" not in a and b["depends_on"] == [a["id"]] and "depends_on" not in c


def test_prose_steps_are_imported() -> None:
    text = "# Pre checks\nWait until the traffic is drained.\n\nExecute a checkpoint. Command: `checkpoint`\n"
    assert phases(imported(text)) == {"assess": [
        "Wait until the traffic is drained.", "Execute a checkpoint. Command: `checkpoint`"]}


def test_what_is_not_imported_is_reported() -> None:
    text = ("---\ntitle: x\n---\n# Steps\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- `tool` - what it does\n\n"
            "```\norphan code\n```\n")
    result = imported(text)
    assert result.items_count == 0
    reasons = " ".join(result.skipped)
    assert "front matter" in reasons and "a table (3 rows)" in reasons
    assert "reads like a definition" in reasons and "follows no step" in reasons


def test_template_id_and_name() -> None:
    result = imported("# Nightly DB Upgrade!\n- Do it\n", source="x/nightly.md")
    assert result.template_dict["id"] == "nightly-db-upgrade"
    assert result.template_dict["name"] == "Nightly DB Upgrade!"
    assert imported("- Do it\n", source="ops/runbook.md").template_dict["id"] == "runbook"
    assert imported("- Do it\n", template_id="mine").template_dict["id"] == "mine"
    with pytest.raises(MarkdownImportError):
        import_markdown("- Do it\n", template_id="Not Valid")


def test_empty_input() -> None:
    result = imported("")
    assert result.items_count == 0 and result.template_dict["phases"] == {"execute": {"items": []}}


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(
    st.sampled_from(["# H", "## Rollback", "### Post checks", "- [ ] step", "  - [x] sub", "* item", "1. one",
                     "```", "~~~", "<!--", "-->", "<details>", "</details>", "<summary>S</summary>", "| a |",
                     "---", "**Bold**", "> - [ ] quoted", "\u200b", "\t- tab", "Run it now.", "@bob 5 mins",
                     "`code`", "<VERSION>", "", "    indented"]),
    st.text(max_size=30)), max_size=25))
def test_any_markdown_imports_to_a_valid_template(lines: list[str]) -> None:
    imported("\n".join(lines))


# --- the real runbooks ----------------------------------------------------------------

RUNBOOK_FILES = sorted(RUNBOOKS.glob("*.md")) if RUNBOOKS.is_dir() else []


@pytest.mark.skipif(not RUNBOOK_FILES, reason=f"fixture runbooks not found at {RUNBOOKS}")
@pytest.mark.parametrize("path", RUNBOOK_FILES, ids=[p.stem for p in RUNBOOK_FILES])
def test_real_runbooks(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    result = imported(text, source=path.name)
    boxes = len(CHECKBOX_LINE.findall(text))
    assert result.checkbox_count == boxes
    assert result.items_count + result.folded_into_rollback >= boxes
    assert result.items_count > 0
    for skipped in result.skipped:
        assert skipped.startswith(f"{path.name}:")
