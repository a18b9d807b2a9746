"""Evidence that cannot lie: verify verdicts, metric readings and done on a metric item."""

from __future__ import annotations

import pytest
from updeck.models.commands import RecordMetric, RecordVerification
from updeck.models.project import instantiate
from updeck.models.report import build_report
from updeck.models.schedule import compute_schedule
from updeck.models.template import ItemSpec, PhaseSpec, Template, Variable, VariableValueError
from updeck.models.verify_verdict import cannot_fail, judge_run

from tests.support.engine import A, Driver, S, item


def metric_plan() -> Driver:
    return Driver(item("err", phase="monitor", kind="metric", target="<= 0.5% of requests"))


def test_a_metric_item_without_a_reading_is_not_done_without_a_reason() -> None:
    d = metric_plan()
    reason = d.refuse("err", A.DONE)
    assert "no reading" in reason and "--note" in reason and "updeck metric" in reason


def test_an_off_target_reading_refuses_a_plain_done_and_a_reason_allows_it() -> None:
    d = metric_plan()
    d.ok(RecordMetric, item="err", value="0.9%")
    reason = d.refuse("err", A.DONE)
    assert "0.9% misses <= 0.5% of requests" in reason
    d.move("err", A.DONE, "accepted by the service owner: a known batch job")
    assert d.status("err") is S.DONE
    assert d.state.items["err"].reason == "accepted by the service owner: a known batch job"
    report = build_report(d.state, compute_schedule(d.state, d.at), d.events, d.at)
    assert "accepted by the service owner" in str(report)


def test_an_on_target_reading_allows_done() -> None:
    d = metric_plan()
    d.ok(RecordMetric, item="err", value="0.3%")
    d.move("err", A.DONE)
    assert d.status("err") is S.DONE


@pytest.mark.parametrize("value", ["abc", "12ms", "3MB"])
def test_a_reading_of_the_wrong_kind_is_refused(value: str) -> None:
    d = metric_plan()
    reason = d.no(RecordMetric, item="err", value=value).reason
    assert "not recorded" in reason
    assert d.state.items["err"].metrics == ()


def verification(d: Driver, item_id: str, code: int, output: str = "",
                 failure: str | None = None) -> None:
    d.ok(RecordVerification, item=item_id, command="check", exit_code=code, output_tail=output,
         duration=0.1, host="h", failure=failure)


def test_exit_127_and_126_are_never_a_pass() -> None:
    d = Driver(item("c", verify="check", expect_exit=127))
    verification(d, "c", 127, failure="")
    last = d.state.items["c"].last_verification
    assert last is not None and not last.passed
    assert last.failure.startswith("not run: command not found")
    verification(d, "c", 126)
    last = d.state.items["c"].last_verification
    assert last is not None and last.failure.startswith("not run: not executable")


def test_the_engine_judges_expect_exit_and_expect_output_when_the_runner_did_not() -> None:
    d = Driver(item("c", verify="check", expect_exit=1, expect_output=r"^ok$"))
    verification(d, "c", 1, "ok\n")
    last = d.state.items["c"].last_verification
    assert last is not None and last.passed
    verification(d, "c", 0, "nope\n")
    last = d.state.items["c"].last_verification
    assert last is not None
    assert last.failure == "exit 0, expected 1; output did not match /^ok$/"


def test_judge_run_says_which_part_failed() -> None:
    assert judge_run(0, "ready") == ""
    assert judge_run(0, "ready", expect_output="^done") == "output did not match /^done/"
    assert judge_run(2, "x", expect_exit=2) == ""
    assert judge_run(1, "bash: line 1: crmctl: command not found").startswith("exit 1, expected 0 (")


@pytest.mark.parametrize(("command", "flagged"), [
    ("systemctl is-active pg || true", True),
    ("check; true", True),
    ("check\nexit 0", True),
    ("check || exit 0", True),
    ("check || :", True),
    ("true", True),
    ("check && true", False),
    ("test -f /x", False),
    ("grep -q true /etc/x", False),
    ("check; exit", False),
])
def test_verify_commands_that_cannot_fail(command: str, flagged: bool) -> None:
    assert (cannot_fail(command) is not None) is flagged


def _plan(verify: str) -> Template:
    return Template(id="t", name="T", variables=(Variable("host"),),
                    phases=(PhaseSpec("execute", items=(ItemSpec(
                        id="c", title="Check {{host}}", phase="execute", verify=verify),)),))


def test_variables_in_verify_are_one_shell_word() -> None:
    project = instantiate(_plan("ping -c1 {{host}}"), "P", {"host": "db1; rm -rf /"})
    spec = project.template.item("c")
    assert spec.verify == "ping -c1 'db1; rm -rf /'"
    assert spec.title == "Check db1; rm -rf /"  # text fields are not shell
    safe = instantiate(_plan("ping -c1 {{host}}"), "P", {"host": "db1.example.com"})
    assert safe.template.item("c").verify == "ping -c1 db1.example.com"


@pytest.mark.parametrize("value", ["db1\nrm -rf /", "db1\x1b[2J", "a\tb", "x\u2028y"])
def test_variable_values_with_control_characters_are_refused(value: str) -> None:
    with pytest.raises(VariableValueError, match="variable host"):
        instantiate(_plan("ping {{host}}"), "P", {"host": value})
