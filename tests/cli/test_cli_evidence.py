"""Evidence on the command line: verify verdicts, metric readings and targets, validate
warnings, variables in verify commands."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.cli import Cli

EVIDENCE_TEMPLATE = """\
format: 1
id: evidence
name: Evidence plan
variables:
  - name: host
    default: db1
phases:
  assess:
    items:
      - id: missing-tool
        title: A check whose tool is missing
        verify: updeck-no-such-tool --status | grep -c ok
      - id: broken-pipe
        title: A pipeline that fails in the middle
        verify: echo ready | false | cat
      - id: wants-output
        title: Expects a word in the output
        verify: 'echo "state: degraded"'
        expect_output: "^state: ready$"
      - id: wants-exit
        title: Expects exit 3
        verify: exit 3
        expect_exit: 3
      - id: quoted
        title: Variables are one word
        verify: printf '<%s>' {{host}}
  monitor:
    items:
      - id: errors
        title: Error rate
        kind: metric
        target: "<= 0.5% of requests"
      - id: latency
        title: p95 latency
        kind: metric
        target: "<= 1500ms"
"""


@pytest.fixture
def evidence(cli: Cli) -> str:
    (cli.templates / "evidence.yaml").write_text(EVIDENCE_TEMPLATE)
    return cli.ok("new", "evidence", "--name", "Evidence", "--var", "host=a b;c").strip()


def last_check(cli: Cli, project: str, item: str) -> dict[str, object]:
    report = json.loads(cli.ok("export", project, "--format", "json"))
    checks = [v for v in report["verifications"] if v["item"] == item]
    return checks[-1]


def test_a_missing_tool_is_recorded_as_failed(cli: Cli, evidence: str) -> None:
    result = cli("verify", evidence, "missing-tool", "--yes")
    assert result.code == 1, str(result)
    assert "FAILED" in result.err and "passed" not in result.err
    assert last_check(cli, evidence, "missing-tool")["passed"] is False


def test_a_pipeline_failing_in_the_middle_fails(cli: Cli, evidence: str) -> None:
    result = cli("verify", evidence, "broken-pipe", "--yes")
    assert result.code == 1 and "exit 1, expected 0" in result.err, str(result)


def test_expect_output_and_expect_exit_are_honoured(cli: Cli, evidence: str) -> None:
    result = cli("verify", evidence, "wants-output", "--yes")
    assert result.code == 1 and "output did not match /^state: ready$/" in result.err, str(result)
    result = cli("verify", evidence, "wants-exit", "--yes")
    assert result.code == 0 and "verification passed" in result.err, str(result)
    assert last_check(cli, evidence, "wants-exit")["passed"] is True


def test_a_variable_is_one_shell_word_in_verify(cli: Cli, evidence: str) -> None:
    result = cli("verify", evidence, "quoted", "--yes")
    assert result.code == 0 and result.out == "<a b;c>", str(result)


def test_a_variable_with_control_characters_is_refused_at_new(cli: Cli) -> None:
    (cli.templates / "evidence.yaml").write_text(EVIDENCE_TEMPLATE)
    result = cli("new", "evidence", "--name", "E", "--var", "host=db1\nreboot")
    assert result.code == 2 and "control character" in result.err, str(result)


def test_metric_readings_must_be_of_the_target_kind(cli: Cli, evidence: str) -> None:
    before = cli.log_bytes(evidence)
    result = cli("metric", evidence, "errors", "abc")
    assert result.code == 2 and "not a number" in result.err, str(result)
    result = cli("metric", evidence, "latency", "3MB")
    assert result.code == 2 and "is a size" in result.err, str(result)
    assert cli.log_bytes(evidence) == before
    result = cli("metric", evidence, "latency", "1.4s")
    assert result.code == 0 and "on target" in result.err and "1400ms" in result.err, str(result)


def test_an_off_target_metric_is_not_done_without_a_reason(cli: Cli, evidence: str) -> None:
    result = cli("metric", evidence, "errors", "0.9%")
    assert result.code == 0 and "OFF TARGET" in result.err, str(result)
    refused = cli("item", evidence, "errors", "done")
    assert refused.code == 1 and "0.9% misses <= 0.5% of requests" in refused.err, str(refused)
    assert "--note" in refused.err
    assert cli("item", evidence, "latency", "done").code == 1  # no reading at all
    cli.ok("item", evidence, "errors", "done", "--note", "a batch job; accepted by the owner")
    report = cli.ok("export", evidence, "--format", "md")
    assert "a batch job; accepted by the owner" in report


def test_validate_warns_on_checks_that_cannot_fail(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "lenient.yaml"
    path.write_text(LENIENT_TEMPLATE)
    result = cli("validate", str(path))
    assert result.code == 0, str(result)
    warnings = [line for line in result.out.splitlines() + result.err.splitlines()
                if ": warning: " in line]
    assert any(w.startswith(f"{path}:9:17: warning: ") and "|| true" in w for w in warnings), warnings
    assert any("point of no return" in w for w in warnings), warnings
    strict = cli("validate", "--strict", str(path))
    assert strict.code == 1, str(strict)


def test_a_target_that_does_not_parse_is_a_template_error(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(BAD_TARGET_TEMPLATE)
    result = cli("validate", str(path))
    assert result.code == 1, str(result)
    assert f"{path}:10:" in result.out + result.err, str(result)
    assert "working days" in result.out + result.err


LENIENT_TEMPLATE = """\
format: 1
id: lenient
name: Lenient plan
phases:
  execute:
    items:
      - id: stopped
        title: The old server is stopped
        verify: systemctl is-active pg || true
      - id: switch
        title: Switch over
        point_of_no_return: true
        depends_on: [stopped]
"""

BAD_TARGET_TEMPLATE = """\
format: 1
id: targets
name: Targets
phases:
  monitor:
    items:
      - id: close
        title: Days to close the period
        kind: metric
        target: <= 6 working days
"""


def test_import_refuses_what_is_not_a_regular_file_or_too_big(cli: Cli, tmp_path: Path) -> None:
    fifo = tmp_path / "runbook.md"
    os.mkfifo(fifo)  # nothing writes to it: reading would wait forever
    result = cli("import", str(fifo), timeout=20)
    assert result.code == 2 and "not a regular file" in result.err, str(result)
    result = cli("import", str(tmp_path), timeout=20)
    assert result.code == 2 and "not a regular file" in result.err, str(result)
    big = tmp_path / "big.md"
    big.write_text("- [ ] step\n" * 120_000)
    result = cli("import", str(big), timeout=20)
    assert result.code == 2 and "1 MiB" in result.err, str(result)
