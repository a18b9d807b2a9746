"""Template loading: one test per rule of template-format.md, with a valid and an
invalid file, asserting the line, column and message of each error."""

from __future__ import annotations

import hashlib
import re
import textwrap
import tracemalloc
from pathlib import Path

import pytest
from updeck.models.project import instantiate
from updeck.storage.locations import SHIPPED_TEMPLATES
from updeck.storage.templates import (
    LoadedTemplate,
    TemplateError,
    TemplateErrors,
    TemplateNotFound,
    discover,
    find_template,
    load_template_file,
    load_template_text,
    validate_file,
)

HEADER = "format: 1\nid: t\nname: T\nphases:\n"


def write(folder: Path, text: str, name: str = "t.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def item_file(extra: str = "", phase: str = "execute", more: str = "") -> str:
    """A template with item `a` at line 7; `extra` lines start at line 9 (8 spaces in)."""
    lines = [HEADER.rstrip("\n"), f"  {phase}:", "    items:", "      - id: a", "        title: Do A"]
    lines += ["        " + line for line in textwrap.dedent(extra).splitlines() if line]
    return "\n".join(lines) + "\n" + more


def errors_of(folder: Path, text: str, search: list[Path] | None = None) -> list[TemplateError]:
    return validate_file(write(folder, text), [folder] if search is None else search)


def only(errors: list[TemplateError]) -> TemplateError:
    assert len(errors) == 1, "\n".join(map(str, errors))
    return errors[0]


def load(folder: Path, text: str) -> LoadedTemplate:
    return load_template_file(write(folder, text), [folder])


# --- basics --------------------------------------------------------------------------


def test_minimal_template_loads(tmp_path: Path) -> None:
    loaded = load(tmp_path, item_file())
    assert loaded.template.id == "t"
    assert [i.id for i in loaded.template.items()] == ["a"]
    assert loaded.template.item("a").kind == "task"
    assert loaded.template.item("a").required is True


def test_spec_example_loads_with_its_parent(tmp_path: Path) -> None:
    spec = Path(__file__).resolve().parents[3] / "shared" / "specs" / "template-format.md"
    if not spec.exists():
        pytest.skip(f"{spec} not present")
    example = re.search(r"```yaml\n(.*?)```", spec.read_text(encoding="utf-8"), re.S)
    assert example
    write(tmp_path, "format: 1\nid: base-upgrade\nname: Base\nphases: {}\n", "base.yaml")
    loaded = load_template_file(write(tmp_path, example.group(1), "pg.yaml"), [tmp_path])
    t = loaded.template
    assert t.id == "postgres-major-upgrade" and t.version == "2.1.0"
    assert t.item("run-pg-upgrade").point_of_no_return
    assert t.item("stop-apps").rollback_estimate == 300
    assert t.item("go-no-go").at == -1800
    assert t.item("budget-staging").due == -14 * 86400
    assert t.item("go-no-go").approvers == ("change-manager", "app-owner")
    assert t.window_duration == 4 * 3600
    assert [v.name for v in t.variables] == ["target_version", "cluster"]


def test_error_str_is_file_line_col_message() -> None:
    assert str(TemplateError("plans/pg.yaml", 42, 18, "boom")) == "plans/pg.yaml:42:18: boom"


def test_unreadable_file_is_flagged(tmp_path: Path) -> None:
    with pytest.raises(TemplateErrors) as info:
        load_template_file(tmp_path / "missing.yaml", [tmp_path])
    assert info.value.unreadable
    assert "no such file" in str(info.value)


# --- rule 1: YAML, safe, bounded -----------------------------------------------------


def test_invalid_yaml_points_at_the_problem(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, item_file("details: [unclosed")))
    assert err.line == 10 and "invalid YAML" in err.message


def test_colon_in_plain_value_is_reported_at_its_place(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, item_file("verify: grep -q Phase: done")))
    assert (err.line, err.col) == (9, 30)
    assert "mapping values are not allowed" in err.message


def test_python_tags_are_never_constructed(tmp_path: Path) -> None:
    text = item_file("details: !!python/object/apply:os.system ['echo pwned']")
    err = only(errors_of(tmp_path, text))
    assert (err.line, err.col) == (9, 18)
    assert "details: expected text" in err.message


def test_file_over_one_mib_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, item_file() + "# " + "x" * (1024 * 1024) + "\n")
    err = only(validate_file(path, [tmp_path]))
    assert (err.line, err.col) == (1, 1)
    assert "larger than 1 MiB" in err.message


def test_billion_laughs_is_refused_fast_and_small(tmp_path: Path) -> None:
    lines = ['x-a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"x-a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    path = write(tmp_path, item_file() + "\n".join(lines) + "\n")
    tracemalloc.start()
    errors = validate_file(path, [tmp_path])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "aliases expand this document beyond" in only(errors).message
    assert peak < 20 * 1024 * 1024  # refused before expanding (a billion strings would not fit)


def test_small_aliases_are_fine(tmp_path: Path) -> None:
    more = "      - id: b\n        title: Do B\n        tags: *common\n"
    text = item_file("tags: &common [db, prod]", more=more)
    assert load(tmp_path, text).template.item("b").tags == ("db", "prod")


def test_merge_keys_are_honoured(tmp_path: Path) -> None:
    text = HEADER + """\
  execute:
    items:
      - &defaults
        id: a
        title: Do A
        owner: dba
        estimate: 10m
      - <<: *defaults
        id: b
        title: Do B
"""
    b = load(tmp_path, text).template.item("b")
    assert (b.owner, b.estimate, b.title) == ("dba", 600, "Do B")


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, item_file() + "x-loop: &loop [*loop]\n"))
    assert "recursive" in err.message


def test_not_utf8_points_at_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_bytes(item_file().encode() + b"x-note: caf\xe9\n")
    err = only(validate_file(path, [tmp_path]))
    assert (err.line, err.col) == (9, 12) and "not UTF-8" in err.message


def test_control_character_is_reported(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, item_file("details: a\x00b")))
    assert err.line == 9 and "not allowed" in err.message


def test_duplicate_key(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, item_file("owner: dba\nowner: sre")))
    assert (err.line, err.col) == (10, 9)
    assert err.message == "duplicate key 'owner' (first at line 9)"


def test_empty_file_and_wrong_top_level(tmp_path: Path) -> None:
    assert "the file is empty" in only(errors_of(tmp_path, "")).message
    err = only(errors_of(tmp_path, "- a\n- b\n"))
    assert (err.line, err.col) == (1, 1) and "expected a mapping" in err.message


def test_several_documents_are_refused(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, item_file() + "---\nformat: 1\n"))
    assert "one YAML document" in err.message


# --- rule 2: types, enumerations, keys ---------------------------------------------


def test_required_top_level_keys(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, "format: 1\n")
    assert [e.message for e in errors] == [
        "missing required key 'id'", "missing required key 'name'", "missing required key 'phases'"]
    assert all((e.line, e.col) == (1, 1) for e in errors)


@pytest.mark.parametrize("value", ["2", '"1"', "1.0", "[1]"])
def test_format_must_be_1(tmp_path: Path, value: str) -> None:
    err = only(errors_of(tmp_path, item_file().replace("format: 1", f"format: {value}")))
    assert (err.line, err.col) == (1, 9)
    assert "supported format versions: 1" in err.message


@pytest.mark.parametrize("bad", ["Upper", "-lead", "under_score", "a" * 65])
def test_template_id_is_a_slug(tmp_path: Path, bad: str) -> None:
    err = only(errors_of(tmp_path, item_file().replace("id: t\n", f"id: {bad}\n", 1)))
    assert (err.line, err.col) == (2, 5)
    assert "at most 64 characters" in err.message


def test_template_id_of_64_characters_is_fine(tmp_path: Path) -> None:
    assert load(tmp_path, item_file().replace("id: t\n", f"id: {'a' * 64}\n", 1)).template.id == "a" * 64


def test_name_must_be_text(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, item_file().replace("name: T", "name: [T]")))
    assert (err.line, err.col) == (3, 7) and err.message == "name: expected text, got a list"


def test_unknown_top_level_key_with_hint(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, item_file() + "varaibles: []\n"))
    assert (err.line, err.col) == (9, 1)
    assert "unknown key 'varaibles' at the top level; did you mean 'variables'?" in err.message


def test_unknown_item_key_with_hint(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, item_file("depens_on: [b]")))
    assert (err.line, err.col) == (9, 9)
    assert "unknown key 'depens_on' in item 'a'; did you mean 'depends_on'?" in err.message


def test_unknown_key_without_close_match_lists_the_keys(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, item_file("zzz: 1")))
    assert "expected one of: id, title" in err.message


def test_x_keys_are_kept_and_ignored(tmp_path: Path) -> None:
    text = item_file("x-jira: OPS-1", more="x-team: {lead: ana, size: 3}\n")
    text = text.replace("  execute:\n", "  execute:\n    x-colour: red\n")
    t = load(tmp_path, text).template
    assert t.extensions == {"x-team": {"lead": "ana", "size": 3}}
    assert t.item("a").extensions == {"x-jira": "OPS-1"}


def test_unknown_phase_with_hint(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, item_file(phase="exec")))
    assert (err.line, err.col) == (5, 3)
    assert "unknown phase 'exec'; did you mean 'execute'?" in err.message


def test_empty_phase_is_allowed(tmp_path: Path) -> None:
    t = load(tmp_path, item_file() + "  monitor:\n  plan:\n    items: []\n").template
    assert [p.id for p in t.phases] == ["plan", "execute", "monitor"]


def test_phase_description_and_items_types(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, HEADER + "  execute:\n    items: {a: 1}\n"))
    assert (err.line, err.col) == (6, 12) and "items: expected a list of items" in err.message


def test_variables(tmp_path: Path) -> None:
    good = item_file() + ("variables:\n  - name: target\n    prompt: Target\n    default: 16\n"
                          "    required: true\n")
    var = load(tmp_path, good).template.variables[0]
    assert (var.name, var.prompt, var.default, var.required) == ("target", "Target", "16", True)
    bad = item_file() + "variables:\n  - name: 9lives\n  - name: x\n    required: maybe\n  - name: x\n"
    errors = errors_of(tmp_path, bad)
    assert [(e.line, e.col) for e in errors] == [(10, 11), (12, 15), (13, 11)]
    assert "not an identifier" in errors[0].message
    assert errors[1].message == 'required: expected true or false, got a string "maybe"'
    assert "declared twice" in errors[2].message


def test_roles_and_stakeholders(tmp_path: Path) -> None:
    good = item_file() + ("roles: [dba, sre]\nstakeholders:\n  - name: Desk\n    role: support\n"
                          "    contact: d@x\n")
    t = load(tmp_path, good).template
    assert t.roles == ("dba", "sre") and t.stakeholders[0].contact == "d@x"
    errors = errors_of(tmp_path, item_file() + "roles: dba\nstakeholders:\n  - role: support\n")
    assert [(e.line, e.col) for e in errors] == [(9, 8), (11, 5)]
    assert errors[0].message == "roles: expected a list, got a string; write [dba]"
    assert errors[1].message == "stakeholder: missing required key 'name'"


def test_window_duration(tmp_path: Path) -> None:
    assert load(tmp_path, item_file() + "window:\n  duration: 4h\n").template.window_duration == 14400
    err = only(errors_of(tmp_path, item_file() + "window:\n  duration: 240\n"))
    assert (err.line, err.col) == (10, 13)
    assert err.message == 'window duration: "240" has no unit; write 240m, 240s or 4h'


def test_item_id_and_title_are_required(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, HEADER + "  execute:\n    items:\n      - title: No id\n      - id: b\n")
    assert [(e.line, e.col, e.message) for e in errors] == [
        (7, 9, "item: missing required key 'id'"), (8, 9, "item 'b': missing required key 'title'")]


@pytest.mark.parametrize("bad", ["Upper", "-x", "a b", "é"])
def test_item_id_slug(tmp_path: Path, bad: str) -> None:
    err = only(errors_of(tmp_path, item_file().replace("- id: a", f"- id: '{bad}'")))
    assert (err.line, err.col) == (7, 13) and "item id" in err.message


def test_item_id_allows_dots_and_underscores(tmp_path: Path) -> None:
    assert load(tmp_path, item_file().replace("- id: a", "- id: step_1.2-b")).template.item("step_1.2-b")


def test_title_is_one_line(tmp_path: Path) -> None:
    text = item_file().replace("title: Do A", "title: |\n          Do A\n          then B")
    err = only(errors_of(tmp_path, text))
    assert (err.line, err.col) == (8, 16) and "one line" in err.message


def test_kind_enumeration(tmp_path: Path) -> None:
    for kind in ("task", "check", "comms", "training", "metric", "milestone"):
        assert load(tmp_path, item_file(f"kind: {kind}")).template.item("a").kind == kind
    err = only(errors_of(tmp_path, item_file("kind: chek")))
    assert (err.line, err.col) == (9, 15)
    assert "kind: \"chek\" is not a kind; did you mean 'check'?" in err.message


@pytest.mark.parametrize("key", ["required", "point_of_no_return"])
def test_booleans(tmp_path: Path, key: str) -> None:
    assert getattr(load(tmp_path, item_file(f"{key}: false")).template.item("a"), key) is False
    err = only(errors_of(tmp_path, item_file(f'{key}: "no"')))
    assert (err.line, err.col) == (9, 11 + len(key))
    assert err.message == f'{key}: expected true or false, got a string "no"'


@pytest.mark.parametrize("key", ["estimate", "rollback_estimate"])
def test_durations_need_a_unit(tmp_path: Path, key: str) -> None:
    assert getattr(load(tmp_path, item_file(f"{key}: 1h30m")).template.item("a"), key) == 5400
    err = only(errors_of(tmp_path, item_file(f'{key}: "90"')))
    assert (err.line, err.col) == (9, 11 + len(key))
    assert err.message == f'{key}: "90" has no unit; write 90m, 90s or 1h30m'
    err = only(errors_of(tmp_path, item_file(f"{key}: soon")))
    assert "is not a duration" in err.message


@pytest.mark.parametrize("key", ["at", "due"])
def test_t_times(tmp_path: Path, key: str) -> None:
    item = load(tmp_path, item_file(f"{key}: T-14d")).template.item("a")
    assert getattr(item, key) == -14 * 86400
    assert getattr(load(tmp_path, item_file(f"{key}: T")).template.item("a"), key) == 0
    err = only(errors_of(tmp_path, item_file(f"{key}: 14d")))
    assert (err.line, err.col) == (9, 11 + len(key))
    assert err.message == f'{key}: "14d" is not a T-time; write T, T-14d or T+1h30m'


def test_cost_is_a_number(tmp_path: Path) -> None:
    assert load(tmp_path, item_file("cost: 1200.5")).template.item("a").cost == 1200.5
    err = only(errors_of(tmp_path, item_file("cost: lots")))
    assert (err.line, err.col) == (9, 15) and "cost: expected a number" in err.message
    assert "expected a number" in only(errors_of(tmp_path, item_file("cost: .nan"))).message


@pytest.mark.parametrize("key", ["details", "verify", "rollback", "when", "owner"])
def test_text_fields(tmp_path: Path, key: str) -> None:
    assert getattr(load(tmp_path, item_file(f"{key}: some text")).template.item("a"), key) == "some text"
    err = only(errors_of(tmp_path, item_file(f"{key}: {{a: 1}}")))
    assert (err.line, err.col) == (9, 11 + len(key)) and err.message == f"{key}: expected text, got a mapping"


def test_tags_are_a_list_of_text(tmp_path: Path) -> None:
    assert load(tmp_path, item_file("tags: [db, prod]")).template.item("a").tags == ("db", "prod")
    err = only(errors_of(tmp_path, item_file("tags: [db, [x]]")))
    assert (err.line, err.col) == (9, 20) and "tags entry: expected text" in err.message


def test_text_is_kept_literally(tmp_path: Path) -> None:
    text = item_file("details: '[b]bold[/b] <VERSION> X.Y {{ name }} `code`'")
    details = load(tmp_path, text).template.item("a").details
    assert details == "[b]bold[/b] <VERSION> X.Y {{ name }} `code`"


def test_plain_scalars_are_taken_as_their_text(tmp_path: Path) -> None:
    t = load(tmp_path, item_file("owner: 007").replace("name: T", "name: 2.10")).template
    assert t.name == "2.10" and t.item("a").owner == "007"


# --- approvals, requirements, metrics, audiences ----------------------------------------


def test_approval_needs_approvers(tmp_path: Path) -> None:
    ok = load(tmp_path, item_file("kind: approval\napprovers: [cm, owner]")).template.item("a")
    assert ok.approvers == ("cm", "owner")
    err = only(errors_of(tmp_path, item_file("kind: approval")))
    assert (err.line, err.col) == (7, 9) and "kind approval needs approvers" in err.message
    err = only(errors_of(tmp_path, item_file("kind: approval\napprovers: []")))
    assert (err.line, err.col) == (10, 20) and "at least one approver" in err.message


def test_approvers_only_on_approvals(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, item_file("approvers: [cm]")))
    assert (err.line, err.col) == (9, 9) and "approvers: only for kind approval" in err.message


def test_priority_and_goal_only_in_requirements(tmp_path: Path) -> None:
    ok = load(tmp_path, item_file("priority: must\ngoal: Keep data", phase="requirements")).template.item("a")
    assert (ok.priority, ok.goal) == ("must", "Keep data")
    errors = errors_of(tmp_path, item_file("priority: must\ngoal: Keep data"))
    assert [(e.line, e.col) for e in errors] == [(9, 9), (10, 9)]
    assert "priority: only for items of the requirements phase" in errors[0].message
    assert "goal: only for items of the requirements phase" in errors[1].message
    err = only(errors_of(tmp_path, item_file("priority: urgent", phase="requirements")))
    assert (err.line, err.col) == (9, 19) and "expected one of: must, should, could, wont" in err.message


def test_baseline_and_target_only_on_metrics(tmp_path: Path) -> None:
    ok = load(tmp_path, item_file('kind: metric\nbaseline: 120ms\ntarget: "<= 150ms"')).template.item("a")
    assert (ok.baseline, ok.target) == ("120ms", "<= 150ms")
    errors = errors_of(tmp_path, item_file("baseline: 1\ntarget: 2"))
    assert [(e.line, e.col) for e in errors] == [(9, 9), (10, 9)]
    assert "only for kind metric" in errors[0].message


def test_audience_only_on_comms_and_training(tmp_path: Path) -> None:
    for kind in ("comms", "training"):
        assert load(tmp_path, item_file(f"kind: {kind}\naudience: everyone")).template.item("a").audience
    err = only(errors_of(tmp_path, item_file("kind: check\naudience: everyone")))
    assert (err.line, err.col) == (10, 9) and "audience: only for kind comms or training" in err.message


# --- rules 3-6: ids, references, cycles, covers -------------------------------------


def test_ids_unique_across_phases(tmp_path: Path) -> None:
    text = item_file(more="  monitor:\n    items:\n      - id: a\n        title: Again\n")
    err = only(errors_of(tmp_path, text))
    assert (err.line, err.col) == (11, 13)
    assert err.message.startswith("duplicate item id 'a' (first at line 7)")


def test_depends_on_must_exist(tmp_path: Path) -> None:
    text = item_file(more="      - id: b\n        title: B\n        depends_on: [a, c]\n")
    err = only(errors_of(tmp_path, text))
    assert (err.line, err.col) == (11, 25)
    assert err.message == "depends_on: no item 'c' in this template"


def test_depends_on_typo_gets_a_hint(tmp_path: Path) -> None:
    text = item_file(more="      - id: backup\n        title: B\n        depends_on: [backpu]\n")
    assert "did you mean 'backup'?" in only(errors_of(tmp_path, text)).message


def test_depends_on_across_phases_is_fine(tmp_path: Path) -> None:
    more = "  monitor:\n    items:\n      - id: m\n        title: M\n        depends_on: [a]\n"
    text = item_file(more=more)
    assert load(tmp_path, text).template.item("m").depends_on == ("a",)


def test_depends_on_must_be_a_list(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, item_file("depends_on: b")))
    assert (err.line, err.col) == (9, 21)
    assert err.message == "depends_on: expected a list, got a string; write [b]"


def test_self_dependency(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, item_file("depends_on: [a]")))
    assert (err.line, err.col) == (9, 22) and "depends on itself" in err.message


def test_cycle_is_named(tmp_path: Path) -> None:
    text = "format: 1\nid: t\nname: T\nphases:\n" + textwrap.indent(textwrap.dedent("""\
    execute:
      items:
        - id: a
          title: A
          depends_on: [c]
        - id: b
          title: B
          depends_on: [a]
        - id: c
          title: C
          depends_on: [b]
    """), "  ")
    err = only(errors_of(tmp_path, text))
    assert err.message == "depends_on cycle: a -> c -> b -> a"
    assert (err.line, err.col) == (12, 22)


def test_long_chain_is_not_a_cycle(tmp_path: Path) -> None:
    items = "".join(f"      - id: s{i}\n        title: S{i}\n"
                    + (f"        depends_on: [s{i - 1}]\n" if i else "") for i in range(3000))
    assert len(list(load(tmp_path, HEADER + "  execute:\n    items:\n" + items).template.items())) == 3000


def test_covers_names_requirements_items_only(tmp_path: Path) -> None:
    text = item_file("covers: [req, a2, nope]", phase="test", more=textwrap.indent(textwrap.dedent("""\
    requirements:
      items:
        - id: req
          title: R
    execute:
      items:
        - id: a2
          title: A2
    """), "  "))
    errors = errors_of(tmp_path, text)
    assert [(e.line, e.col, e.message) for e in errors] == [
        (9, 23, "covers: 'a2' is in phase execute; covers names only requirements items"),
        (9, 27, "covers: no item 'nope' in this template"),
    ]
    ok = load(tmp_path, text.replace("[req, a2, nope]", "[req]")).template.item("a")
    assert ok.covers == ("req",) and ok.is_test


def test_all_errors_of_a_file_at_once(tmp_path: Path) -> None:
    text = item_file("kind: approval\nestimate: 5\nat: soon\ncost: x\ndepends_on: [zz]\ndepens_on: [a]")
    errors = errors_of(tmp_path, text.replace("format: 1", "format: 3"))
    assert len(errors) == 7
    assert errors == sorted(errors)


# --- rule 7 and inheritance ------------------------------------------------------------

PARENT = """\
format: 1
id: parent
name: Parent
version: 1.0.0
description: From the parent
variables:
  - name: a
    prompt: A from parent
  - name: b
    default: "2"
roles: [dba, ops]
stakeholders:
  - name: Desk
    role: support
window:
  duration: 2h
phases:
  assess:
    description: Parent assess
    items:
      - id: p1
        title: P1
      - id: p2
        title: P2
        depends_on: [p1]
      - id: p3
        title: P3
  execute:
    items:
      - id: p4
        title: P4
"""


def test_inheritance_merges_as_the_spec_says(tmp_path: Path) -> None:
    write(tmp_path, PARENT, "parent.yaml")
    child = write(tmp_path, """\
    format: 1
    id: child
    name: Child
    extends: parent
    variables:
      - name: a
        prompt: A from child
      - name: c
    roles: [ops, app]
    stakeholders:
      - name: Desk
        role: first line
      - name: CAB
    drop: [p3]
    phases:
      assess:
        items:
          - id: p1
            title: P1 replaced
          - id: c1
            title: C1
            depends_on: [p2]
      monitor:
        items:
          - id: c2
            title: C2
            depends_on: [p4]
    """, "child.yaml")
    loaded = load_template_file(child, [tmp_path])
    t = loaded.template
    assert (t.id, t.name, t.version, t.description) == ("child", "Child", "1.0.0", "From the parent")
    assert t.window_duration == 7200
    assert [(v.name, v.prompt) for v in t.variables] == [("a", "A from child"), ("b", ""), ("c", "")]
    assert t.roles == ("dba", "ops", "app")
    assert [(s.name, s.role) for s in t.stakeholders] == [("Desk", "first line"), ("CAB", "")]
    assert [i.id for i in t.phase("assess").items] == ["p1", "p2", "c1"]
    assert t.item("p1").title == "P1 replaced"
    assert t.phase("assess").description == "Parent assess"
    assert [p.id for p in t.phases] == ["assess", "execute", "monitor"]
    assert loaded.sources == (child, tmp_path / "parent.yaml")
    expected = hashlib.sha256(child.read_bytes() + (tmp_path / "parent.yaml").read_bytes()).hexdigest()
    assert loaded.sha256 == expected


def test_replaced_item_moved_to_another_phase(tmp_path: Path) -> None:
    write(tmp_path, PARENT, "parent.yaml")
    text = "format: 1\nid: child\nname: C\nextends: parent\nphases:\n  monitor:\n    items:\n" \
           "      - id: p2\n        title: P2 later\n"
    t = load(tmp_path, text).template
    assert [i.id for i in t.phase("assess").items] == ["p1", "p3"]
    assert [i.id for i in t.phase("monitor").items] == ["p2"]


def test_drop_errors(tmp_path: Path) -> None:
    write(tmp_path, PARENT, "parent.yaml")
    text = "format: 1\nid: child\nname: C\nextends: parent\ndrop: [p1, p9]\nphases: {}\n"
    errors = errors_of(tmp_path, text)
    assert [(e.line, e.col) for e in errors] == [(5, 8), (5, 12)]
    assert errors[0].message.startswith("drop: cannot drop 'p1': item 'p2'")
    assert "still names it in depends_on" in errors[0].message
    assert errors[1].message == "drop: 'p9' is not an item of the parent template 'parent'"


def test_drop_of_a_dependency_is_fine_when_the_dependent_goes_too(tmp_path: Path) -> None:
    write(tmp_path, PARENT, "parent.yaml")
    text = "format: 1\nid: child\nname: C\nextends: parent\ndrop: [p1, p2]\nphases: {}\n"
    assert [i.id for i in load(tmp_path, text).template.items()] == ["p3", "p4"]


def test_child_item_depending_on_dropped_item(tmp_path: Path) -> None:
    write(tmp_path, PARENT, "parent.yaml")
    text = ("format: 1\nid: child\nname: C\nextends: parent\ndrop: [p3]\nphases:\n  monitor:\n"
            "    items:\n      - id: m\n        title: M\n        depends_on: [p3]\n")
    err = only(errors_of(tmp_path, text))
    assert (err.line, err.col) == (5, 8) and "cannot drop 'p3': item 'm'" in err.message


def test_drop_needs_extends(tmp_path: Path) -> None:
    err = only(errors_of(tmp_path, item_file() + "drop: [a]\n"))
    assert (err.line, err.col) == (9, 1) and "only makes sense with extends" in err.message


def test_extends_not_found_lists_available(tmp_path: Path) -> None:
    write(tmp_path, PARENT, "parent.yaml")
    err = only(errors_of(tmp_path, item_file() + "extends: parnt\n"))
    assert (err.line, err.col) == (9, 1)
    assert err.message == "extends: no template 'parnt' on the search path; available: parent, t"


def test_extends_cycle_is_named(tmp_path: Path) -> None:
    write(tmp_path, "format: 1\nid: one\nname: One\nextends: two\nphases: {}\n", "one.yaml")
    write(tmp_path, "format: 1\nid: two\nname: Two\nextends: three\nphases: {}\n", "two.yaml")
    write(tmp_path, "format: 1\nid: three\nname: Three\nextends: one\nphases: {}\n", "three.yaml")
    with pytest.raises(TemplateErrors) as info:
        load_template_file(tmp_path / "one.yaml", [tmp_path])
    assert any("extends cycle: one -> two -> three -> one" in e.message for e in info.value.errors)


def test_errors_of_the_parent_are_reported_with_its_file(tmp_path: Path) -> None:
    parent = write(tmp_path, PARENT.replace("title: P3", "title: P3\n        estimate: 5"), "parent.yaml")
    errors = errors_of(tmp_path, "format: 1\nid: child\nname: C\nextends: parent\nphases: {}\n")
    assert errors[0].path == str(parent) and "has no unit" in errors[0].message
    assert "the parent template 'parent'" in errors[1].message


def test_child_may_extend_the_template_it_shadows(tmp_path: Path) -> None:
    user, shipped = tmp_path / "user", tmp_path / "shipped"
    user.mkdir()
    shipped.mkdir()
    write(shipped, PARENT, "parent.yaml")
    write(user, "format: 1\nid: parent\nname: Mine\nextends: parent\ndrop: [p3]\nphases: {}\n", "parent.yaml")
    t = find_template("parent", [user, shipped]).template
    assert t.name == "Mine" and [i.id for i in t.items()] == ["p1", "p2", "p4"]


# --- the search path ------------------------------------------------------------------


def test_discover_marks_shadowed_and_lists_broken(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    write(first, item_file().replace("name: T", "name: First"), "a.yaml")
    write(first, "format: 1\nid: broken\nname: [\n", "broken.yaml")
    write(second, item_file().replace("name: T", "name: Second"), "a.yaml")
    write(second, "format: 1\nid: good\nname: Good\nphases: {}\n", "good.yml")
    (second / "notes.txt").write_text("not a template")
    entries = discover([first, second, tmp_path / "missing"])
    assert [(e.id, e.name, e.shadowed, e.ok) for e in entries] == [
        ("t", "First", False, True), ("broken", "", False, False),
        ("t", "Second", True, True), ("good", "Good", False, True)]
    assert entries[1].errors[0].line == 4
    assert find_template("t", [first, second]).template.name == "First"
    assert find_template("good", [first, second]).template.name == "Good"


def test_broken_file_never_hides_a_good_one(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    write(first, item_file("estimate: 5"), "t.yaml")
    write(second, item_file(), "t.yaml")
    assert find_template("t", [first, second]).path == second / "t.yaml"
    with pytest.raises(TemplateErrors):
        find_template("t", [first])


def test_find_template_by_path_and_not_found(tmp_path: Path) -> None:
    path = write(tmp_path, item_file())
    assert find_template(str(path), []).template.id == "t"
    with pytest.raises(TemplateNotFound) as info:
        find_template("nope", [tmp_path])
    assert info.value.available == ["t"]
    assert "no template 'nope' on the search path; available: t" in str(info.value)
    with pytest.raises(TemplateNotFound):
        find_template(str(tmp_path / "gone.yaml"), [tmp_path])


def test_environment_search_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, item_file().replace("id: t", "id: crm-upgrade").replace("name: T", "name: Local"))
    monkeypatch.setenv("UPDECK_TEMPLATE_PATH", str(tmp_path))
    entries = {(e.id, e.shadowed): e for e in discover()}
    assert entries[("crm-upgrade", False)].name == "Local"
    assert entries[("crm-upgrade", True)].path.parent == SHIPPED_TEMPLATES
    assert find_template("crm-upgrade").template.name == "Local"


def test_load_template_text(tmp_path: Path) -> None:
    assert load_template_text(item_file(), "mem.yaml", []).template.id == "t"
    with pytest.raises(TemplateErrors) as info:
        load_template_text(item_file("estimate: 5"), "mem.yaml", [])
    assert str(info.value).startswith("mem.yaml:9:19: estimate:")


# --- the shipped sample plans ----------------------------------------------------------

SAMPLES = sorted(SHIPPED_TEMPLATES.glob("*.yaml"))


def test_the_samples_are_there() -> None:
    names = {p.name for p in SAMPLES}
    assert {"base.yaml", "crm-upgrade.yaml", "postgres-major-upgrade.yaml", "k8s-minor-upgrade.yaml",
            "os-fleet-upgrade.yaml", "erp-cutover.yaml", "network-firmware.yaml"} <= names


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_every_sample_loads_and_instantiates(path: Path) -> None:
    loaded = load_template_file(path, [SHIPPED_TEMPLATES])
    t = loaded.template
    project = instantiate(t, "Sample", {})
    assert "{{" not in " ".join(i.title + i.verify + i.details for i in project.template.items())
    assert t.window_duration
    if t.id == "base-upgrade":
        return
    items = list(t.items())
    assert any(i.is_approval and len(i.approvers) >= 2 for i in items)
    assert any(i.rollback and i.rollback_estimate for i in items)
    assert any(i.point_of_no_return for i in items)
    assert any(i.at is not None for i in items) and any(i.due is not None for i in items)
    assert any(i.cost for i in items)
    assert any(i.covers for i in items)
    assert {"comms", "training"} <= {i.kind for i in items if i.audience}
    assert any(i.baseline and i.target for i in items if i.kind == "metric")
    assert any(v.prompt and v.default is not None for v in t.variables)
    phase_of = {i.id: i.phase for i in items}
    assert any(phase_of[d] != i.phase for i in items for d in i.depends_on)
    named = {name for i in items for name in (*i.approvers, *([i.owner] if i.owner else []))}
    assert named <= set(t.roles), "owners and approvers are declared roles"


def test_samples_extend_base_and_use_drop() -> None:
    extending = [p for p in SAMPLES if "extends: base-upgrade" in p.read_text()]
    assert len(extending) >= 3
    assert any("\ndrop:" in p.read_text() for p in extending)


def test_crm_sample_is_rich() -> None:
    t = find_template("crm-upgrade", [SHIPPED_TEMPLATES]).template
    assert 35 <= len(list(t.items())) <= 50
    titles = " ".join(i.title.lower() for i in t.items())
    for feature in ("interface", "social", "report"):
        assert feature in titles


def test_special_files_are_refused_without_reading_them(tmp_path: Path) -> None:
    for special, message in (("/dev/zero", "is not a regular file"), (str(tmp_path), "is a folder")):
        with pytest.raises(TemplateErrors) as info:
            load_template_file(special, [])
        assert info.value.unreadable and message in str(info.value)


def test_parent_beside_a_file_off_the_search_path(tmp_path: Path) -> None:
    folder = tmp_path / "plans"
    folder.mkdir()
    write(folder, PARENT, "parent.yaml")
    child = write(folder, "format: 1\nid: child\nname: C\nextends: parent\nphases: {}\n", "child.yaml")
    assert [i.id for i in load_template_file(child, []).template.items()] == ["p1", "p2", "p3", "p4"]
    with pytest.raises(TemplateErrors):
        load_template_text(child.read_text(), "child.yaml", [])


def test_pure_python_loader_is_bounded_too() -> None:
    from updeck.storage import yaml_nodes

    node = yaml_nodes.compose(item_file(), fast=False)
    assert node is not None and yaml_nodes.position(node) == (1, 1)
    with pytest.raises(yaml_nodes.YamlProblem) as info:
        yaml_nodes.compose("x: " + "[" * 200 + "]" * 200 + "\n", fast=False)
    assert "nested more than 64 levels" in info.value.message
    with pytest.raises(yaml_nodes.YamlProblem) as info:
        yaml_nodes.compose("a: [1\n", fast=False)
    assert info.value.message.startswith("invalid YAML")
