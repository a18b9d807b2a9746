"""Every shipped sample's verify commands are read-only checks that cannot pass when
their tools are missing, every metric target parses, and validate has no warnings."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import updeck.sample_plans
from updeck.models.metric_target import parse_target
from updeck.models.project import instantiate
from updeck.models.template import ItemSpec
from updeck.storage.template_lint import lint_file
from updeck.storage.templates import load_template_file
from updeck.tui.common.verify_run import run_check

SAMPLES = Path(updeck.sample_plans.__file__).parent
SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))
# Words a read-only check never contains (the audit of the samples, kept as a guard so a
# later edit that writes is refused before this test would run it).
WRITES = re.compile(r"\brm\b|\bmkfs|\bdd\b|\btee\b|\bDROP\b|\bDELETE\b|\bTRUNCATE\b|\bUPDATE\b|"
                    r"\bINSERT\b|\bALTER\b|\breboot\b|\bshutdown\b|\bapply\b|\bvacuumdb\b|\bkill\b|"
                    r"\bsudo\b|\bansible\b.*\s(-b|--become)\b|\bupgrade\s+(?!--check)|\bpurge\b|\bdelete\b")
QUOTED = re.compile(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"")
REDIRECT = re.compile(r"(?<![0-9&<(])>(?!&)")  # output to a file, outside quotes
ABSOLUTE = re.compile(r"(?<![\w.:/-])/[\w./@+-]+")


def sample_checks() -> list[tuple[str, ItemSpec]]:
    """Every item with a verify, its variables set to values that name nothing real."""
    checks: list[tuple[str, ItemSpec]] = []
    for path in SAMPLE_FILES:
        template = load_template_file(path, search_path=[SAMPLES]).template
        names = {v.name for v in template.variables} | template.variable_names()
        values = {name: f"updeck-audit-{name.replace('_', '-')}" for name in names}
        project = instantiate(template, "Audit", values)
        checks += [(f"{path.stem}:{spec.id}", spec) for spec in project.template.items()
                   if spec.verify.strip()]
    return checks


CHECKS = sample_checks()


def test_there_are_sample_checks_to_audit() -> None:
    assert len(SAMPLE_FILES) >= 7 and len(CHECKS) >= 30


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_samples_have_no_warnings_and_their_targets_parse(path: Path) -> None:
    assert lint_file(path, search_path=[SAMPLES]) == []
    template = load_template_file(path, search_path=[SAMPLES]).template
    for spec in template.items():
        if spec.kind == "metric" and spec.target:
            parse_target(spec.target)  # raises when it does not parse


@pytest.mark.parametrize(("name", "spec"), CHECKS, ids=[name for name, _ in CHECKS])
def test_no_sample_check_passes_without_its_tools(name: str, spec: ItemSpec, tmp_path: Path) -> None:
    command = spec.verify
    assert not WRITES.search(command), f"{name} does not look read-only: {command}"
    assert not REDIRECT.search(QUOTED.sub("''", command)), f"{name} writes a file: {command}"
    for word in ABSOLUTE.findall(command):
        if os.path.isfile(word) and os.access(word, os.X_OK):
            pytest.fail(f"{name} would run the real program {word} on this machine: {command}")
    no_tools = tmp_path / "bin"
    no_tools.mkdir()
    run = run_check(command, 20, expect_exit=spec.expect_exit, expect_output=spec.expect_output,
                    env={"PATH": str(no_tools), "HOME": str(tmp_path), "LANG": "C"},
                    cwd=str(tmp_path))
    assert not run.passed, f"{name} passed with no tools on PATH: {command}\n{run.output_tail}"
    assert run.failure
