"""Whether a verify run passed (exit code, expected exit, expected output), and which
verify commands cannot fail at all. Pure: the runner lives in ``updeck.tui.common``.
"""

from __future__ import annotations

import re

# Exit codes of a shell that could not run the command: never a pass.
NOT_RUN: dict[int, str] = {
    127: "not run: command not found (exit 127)",
    126: "not run: not executable (exit 126)",
}
_NOT_FOUND = re.compile(r"command not found|No such file or directory|not found$", re.MULTILINE)
# The end of a command that makes it succeed whatever happened before.
_CANNOT_FAIL = re.compile(r"(?:\|\||;|\n|^)\s*(?:true|:|exit\s+0)\s*;?\s*$")


def judge_run(exit_code: int, output: str, expect_exit: int = 0, expect_output: str = "") -> str:
    """Why the run failed, or "" when it passed.

    A run passes only when its exit code is ``expect_exit`` and, when ``expect_output``
    is set, the output matches that regular expression (``re.search``, multi-line).
    Exit 126 and 127 (the shell could not run it) are never a pass.
    """
    if exit_code in NOT_RUN:
        if exit_code == 127 and "unbound variable" in output:
            return "not run: it uses a variable that is not set (exit 127)"
        return NOT_RUN[exit_code]
    problems: list[str] = []
    if exit_code != expect_exit:
        text = f"exit {exit_code}, expected {expect_exit}"
        if _NOT_FOUND.search(output):
            text += " (the output says something was not found)"
        problems.append(text)
    if expect_output and not output_matches(expect_output, output):
        problems.append(f"output did not match /{expect_output}/")
    return "; ".join(problems)


def output_matches(pattern: str, output: str) -> bool:
    try:
        return re.search(pattern, output, re.MULTILINE) is not None
    except re.error:
        return False  # the loader refuses a bad pattern; an old log never passes on one


def pattern_error(pattern: str) -> str | None:
    """Why ``pattern`` is not a usable regular expression, or None."""
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"expect_output is not a regular expression: {exc}"
    return None


def cannot_fail(command: str) -> str | None:
    """What makes a verify command always succeed (``|| true``, ``; true``, ``exit 0`` at
    the end), or None."""
    match = _CANNOT_FAIL.search(command.rstrip())
    if match is None:
        return None
    ending = " ".join(match.group(0).split())
    return f"the verify command ends in '{ending}', so it passes whatever the check finds"


def legacy_failure(exit_code: int) -> str:
    """The verdict of a record written before verdicts were recorded: exit 0 passed."""
    if exit_code in NOT_RUN:
        return NOT_RUN[exit_code]
    return "" if exit_code == 0 else f"exit {exit_code}, expected 0"
