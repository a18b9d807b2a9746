"""Property tests: mutate valid templates in every way a hand-edited file can go wrong.

The only outcomes allowed are a loaded template or a clean list of errors, each with a
line and column >= 1; never another exception, and never the loader's catch-all
("could not load the template"), which would mean an unforeseen input slipped through.
About 2,500 cases in total, derandomised so a run is repeatable.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from updeck.models.template import Template
from updeck.storage.locations import SHIPPED_TEMPLATES
from updeck.storage.templates import TemplateErrors, load_template_text

SMALL = """\
format: 1
id: fuzz
name: Fuzz {{name}}
version: 1.0.0
description: A template to break.
variables:
  - name: name
    prompt: Name
    default: x
    required: true
roles: [dba, ops]
stakeholders:
  - name: Desk
    role: support
    contact: desk@example.com
window:
  duration: 2h
x-team: {lead: ana}
phases:
  requirements:
    items:
      - id: req-a
        title: Requirement A
        priority: must
        goal: Keep it
  test:
    items:
      - id: test-a
        title: Test A
        kind: check
        covers: [req-a]
        due: T-7d
        verify: echo ok
  communicate:
    items:
      - id: tell
        title: Tell users
        kind: comms
        audience: everyone
  execute:
    items:
      - id: go
        title: Go/no-go
        kind: approval
        approvers: [dba, ops]
        at: T-30m
        depends_on: [test-a, tell]
      - id: run
        title: Run it
        owner: ops
        estimate: 1h30m
        rollback: Undo it
        rollback_estimate: 20m
        point_of_no_return: true
        depends_on: [go]
        cost: 120.5
        tags: [a, b]
        when: always
  monitor:
    items:
      - id: lat
        title: Latency
        kind: metric
        baseline: 10ms
        target: "< 20ms"
        depends_on: [run]
"""

CHILD = """\
format: 1
id: fuzz-child
name: Child
extends: base-upgrade
drop: [lessons-learned]
variables:
  - name: system
    default: fuzzed
phases:
  execute:
    items:
      - id: smoke-test
        title: Replaced smoke test
        kind: check
        depends_on: [final-backup]
      - id: extra
        title: Extra step
        depends_on: [smoke-test, inventory]
"""

BASES = [SMALL, CHILD, (SHIPPED_TEMPLATES / "network-firmware.yaml").read_text(encoding="utf-8")]
SEARCH = [SHIPPED_TEMPLATES]
BASE_DOCUMENTS = [yaml.safe_load(text) for text in BASES]


# The everyday run tries a fixed, derandomised sample (the suite must stay under 3 minutes
# on 2 cores); HYPOTHESIS_PROFILE=deep searches twenty times longer before a release.
DEPTH = 20 if os.environ.get("HYPOTHESIS_PROFILE") == "deep" else 1


def fast(examples: int) -> settings:
    return settings(max_examples=examples * DEPTH, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def check(data: str | bytes) -> None:
    try:
        loaded = load_template_text(data, "fuzz.yaml", SEARCH)
    except TemplateErrors as exc:
        assert exc.errors
        for error in exc.errors:
            assert error.line >= 1 and error.col >= 1, error
            assert error.message and "could not load the template" not in error.message, error
            assert str(error).startswith(f"{error.path}:{error.line}:{error.col}: ")
    else:
        assert isinstance(loaded.template, Template)
        assert loaded.template.id


# --- structured mutations -----------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
    st.text(max_size=20), st.sampled_from(["T-1d", "90", "1h", "x-", "approval", "req-a", "{{name}}",
                                           "must", "<<", "~", "null", "yes", ".inf", "T+", "1:30"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(max_size=8), inner,
                                                                        max_size=4)),
                      max_leaves=8)


def containers(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every dict and list in the document."""
    found: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        found.append(path)
        for key, value in node.items():
            found += containers(value, (*path, key))
    elif isinstance(node, list):
        found.append(path)
        for index, value in enumerate(node):
            found += containers(value, (*path, index))
    return found


def at(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


@fast(250)
@given(st.sampled_from(range(len(BASES))), st.data())
def test_structural_mutations(base: int, data: st.DataObject) -> None:
    document = copy.deepcopy(BASE_DOCUMENTS[base])
    for _ in range(data.draw(st.integers(1, 3))):
        paths = containers(document)
        target = at(document, data.draw(st.sampled_from(paths)))
        if not target:
            continue
        keys = list(target.keys()) if isinstance(target, dict) else list(range(len(target)))
        key = data.draw(st.sampled_from(keys))
        operation = data.draw(st.sampled_from(["delete", "duplicate", "retype", "rename", "text"]))
        if operation == "delete":
            del target[key]
        elif operation == "duplicate":
            if isinstance(target, dict):
                other = data.draw(st.sampled_from(keys))
                target[other] = copy.deepcopy(target[key])
            else:
                target.append(copy.deepcopy(target[key]))
        elif operation == "retype":
            target[key] = data.draw(values)
        elif operation == "rename" and isinstance(target, dict):
            target[data.draw(st.text(max_size=12))] = target.pop(key)
        else:
            target[key] = data.draw(st.text(max_size=40))
    check(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


# --- text and byte mutations -----------------------------------------------------------


@fast(250)
@given(st.sampled_from(range(len(BASES))), st.data())
def test_text_mutations(base: int, data: st.DataObject) -> None:
    text = BASES[base]
    for _ in range(data.draw(st.integers(1, 3))):
        position = data.draw(st.integers(0, len(text)))
        operation = data.draw(st.sampled_from(["insert", "delete", "line"]))
        if operation == "insert":
            piece = data.draw(st.one_of(st.text(max_size=12),
                                        st.sampled_from(["&a ", "*a", "<<: *a\n", "- ", ": ", "\t", "{", "[",
                                                         "'", '"', "!!python/object ", "---\n", "%YAML 1.1\n",
                                                         "\ufeff", "\x00", "#"])))
            text = text[:position] + piece + text[position:]
        elif operation == "delete":
            text = text[:position] + text[position + data.draw(st.integers(1, 30)):]
        else:
            lines = text.splitlines(keepends=True)
            index = data.draw(st.integers(0, len(lines) - 1))
            lines.insert(index, lines[data.draw(st.integers(0, len(lines) - 1))])
            text = "".join(lines)
    check(text)


@fast(450)
@given(st.sampled_from(range(len(BASES))), st.data())
def test_byte_mutations(base: int, data: st.DataObject) -> None:
    raw = bytearray(BASES[base].encode())
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    check(bytes(raw))


@fast(300)
@given(st.binary(max_size=400))
def test_random_bytes(raw: bytes) -> None:
    check(raw)


@fast(300)
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    check(text)
