"""Exit codes, the contract with scripts: 0 done, 1 refused by the rules, 2 bad usage or
input, 3 gate pending or timed out, 130 interrupted; and the error that carries one."""

from __future__ import annotations

from updeck.models.text import one_line as _one_line

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_PENDING = 3
EXIT_INTERRUPTED = 130

class CliError(Exception):
    """A command that cannot go on: one sentence for the user and an exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def one_line(text: str) -> str:
    """``text`` on one line through the one sanitiser, without edge spaces (messages)."""
    return _one_line(text).strip()
