"""The verify runner shared by `updeck verify` and the dashboard's `v`."""

from __future__ import annotations

from updeck.tui.common.verify_run import TAIL_BYTES, TIMED_OUT, run_check


def test_exit_code_output_and_echo() -> None:
    seen: list[bytes] = []
    run = run_check("echo hello; echo oops >&2; exit 3", 10, seen.append)
    assert run.exit_code == 3 and not run.note
    assert "hello" in run.output_tail and "oops" in run.output_tail  # stderr too
    assert b"hello" in b"".join(seen)


def test_a_check_that_leaves_a_daemon_behind_still_passes() -> None:
    # The command's exit ends the run, not its output: waiting for the daemon's end (30 s)
    # would hit the 20 s timeout, which is recorded as 124, not a pass.
    run = run_check("sleep 30 & echo started; exit 0", 20)
    assert run.exit_code == 0 and "started" in run.output_tail


def test_timeout_kills_the_group_and_says_so() -> None:
    run = run_check("echo begun; sleep 30", 0.5)
    assert run.exit_code == TIMED_OUT
    assert run.output_tail.startswith("begun") and "timed out after" in run.output_tail


def test_only_the_last_4_kb_are_kept() -> None:
    run = run_check("python3 -c \"print('x' * 20000); print('END')\"", 20)
    assert run.exit_code == 0
    assert len(run.output_tail.encode()) <= TAIL_BYTES and run.output_tail.rstrip().endswith("END")


def test_killed_by_a_signal_reads_as_the_shell_says() -> None:
    run = run_check("kill -9 $$", 10)
    assert run.exit_code == 128 + 9
