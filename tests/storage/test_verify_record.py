"""Recording a verification that has run (updeck.tui.common.verify_record): a busy
project is retried, and a result that cannot be recorded is never lost silently."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from updeck.models.events import EventKind
from updeck.storage.repository import Repository
from updeck.tui.common.verify_record import NotRecorded, record_verification
from updeck.tui.common.verify_run import CheckRun

from tests.support.storage import OPERATOR, T0, make_project

WRITER = Path(__file__).resolve().parents[1] / "support" / "storage_writer.py"
FAILED_RUN = CheckRun(3, "disk check: 97% full\n", 1.25, failure="exit 3")


@pytest.fixture()
def impatient(tmp_path: Path) -> Repository:
    repo = Repository(tmp_path / "data")
    repo.create_project(make_project(3, project_id="p1"), OPERATOR)
    return Repository(repo.data_dir, lock_timeout=0.2)


@pytest.fixture()
def holder(impatient: Repository) -> Iterator[subprocess.Popen[str]]:
    """Another process holding p1's write lock until it is killed."""
    proc = subprocess.Popen([sys.executable, str(WRITER), "hold", str(impatient.data_dir), "p1",
                             "60"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def test_a_busy_project_is_retried_until_the_run_is_recorded(
        impatient: Repository, holder: subprocess.Popen[str]) -> None:
    tries: list[int] = []

    def busy() -> None:  # the other writer goes away while we wait
        tries.append(1)
        holder.kill()
        holder.wait()

    result = record_verification(impatient, "p1", "i0001", "df -h /", FAILED_RUN, by=OPERATOR,
                                 at=T0, on_busy=busy)
    assert tries == [1]
    assert isinstance(result, list)
    assert [e.kind for e in result] == [EventKind.VERIFICATION_RECORDED]
    run = impatient.load("p1").items["i0001"]
    assert run.verifications[-1].exit_code == 3
    assert run.verifications[-1].host == OPERATOR.host


def test_a_run_that_cannot_be_recorded_says_what_its_result_was(
        impatient: Repository, holder: subprocess.Popen[str]) -> None:
    with pytest.raises(NotRecorded) as info:
        record_verification(impatient, "p1", "i0001", "df -h /", FAILED_RUN, by=OPERATOR,
                            at=T0, patience=0.0)
    text = str(info.value)
    assert "ran and failed (exit 3) in 1.2s" in text and "could not be recorded" in text
    assert "busy" in text
    assert impatient.load("p1").seq == 1  # nothing was written
