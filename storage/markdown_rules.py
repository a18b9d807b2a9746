"""What a runbook's words mean for the importer: which code may become a ``verify``,
go/no-go and point-of-no-return lines, owners, durations that are not estimates."""

from __future__ import annotations

import re

MAX_RUNBOOK_BYTES = 1024 * 1024  # a runbook over 1 MiB is refused, unread
SHELL_LANGS = frozenset({"sh", "bash", "shell", "console", "zsh", "shell-session", "shellsession"})
# "Check", "verify", "confirm" (and their forms) in a heading or line that introduces code.
CHECK_CONTEXT = re.compile(r"\b(?:check(?:s|ing|ed)?|verif(?:y|ies|ied|ying|ication)|"
                           r"confirm(?:s|ed|ing|ation)?)\b", re.I)
DESTRUCTIVE = re.compile(
    r"\brm\s+(?:-\w*\s+)*-\w*[rRf]|"  # rm -rf, rm -fr, rm -r, rm -f
    r"\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:ba|z|da|k)?sh\b|"  # ... | sh, | bash, | sudo bash
    r"\bmkfs\b|"
    r"\bdd\b[^\n|;&]*\bof=|"
    r"\bDROP\s",
    re.I)
_SQL = re.compile(r"^\s*(?:select|insert|update|delete|alter|create|drop|with|truncate|grant|revoke|"
                  r"begin|commit|rollback|vacuum|analyze|explain|set|reindex|checkpoint)\b", re.I)
GO_NO_GO = re.compile(r"\bgo\s*(?:/|-|\bor\b|\band\b)?\s*no[\s-]*go\b", re.I)
POINT_OF_NO_RETURN = re.compile(r"\bpoint[\s-]+of[\s-]+no[\s-]+return\b|\bPONR\b", re.I)
_OWNER_FORMS = (
    re.compile(r"\(\s*owner\s*:\s*([^()\n]+?)\s*\)", re.I),  # (owner: NAME)
    re.compile(r"(?<![\w.@/])@([A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z0-9])"),  # @NAME
    re.compile(r"(?:^|[\s*_|;,])owner\s*[*_]*\s*:\s*[*_]*\s*([A-Za-z0-9][\w .'@-]{0,60}?)\s*(?:[.;,|)]|$)",
               re.I | re.M),  # Owner: NAME
)
_NOT_NAMES = frozenset({"of", "the", "a", "an", "to", "is", "tbd", "none", "n/a"})
OWNER_IN_TITLE = re.compile(r"\s*\(\s*owner\s*:\s*[^()\n]+?\s*\)", re.I)
# A duration after one of these words says when or how often, not how long the step takes.
NOT_AN_ESTIMATE = re.compile(r"(?:\bafter|\bevery|\beach|\bolder\s+than|\bretain(?:ed)?(?:\s+for)?|"
                             r"\bretention(?:\s+of)?|\bkeep(?:\s+\w+)?\s+for|\bfor\s+the\s+(?:last|past)|"
                             r"\bwithin\s+the\s+(?:last|past)|\bper|\bago|\blater)\s*(?:~|about\s+|up\s+to\s+)?$",
                             re.I)


def destructive_part(code: str) -> str | None:
    """The first obviously destructive command in ``code`` (``rm -rf``, ``| sh``...), or None."""
    match = DESTRUCTIVE.search(code)
    return " ".join(match.group(0).split()) if match else None


def shell_commands(lang: str, code: str) -> str:
    """The commands of a shell block; a ``console`` block keeps its ``$ `` lines, unprompted."""
    if lang.lower() not in ("console", "shell-session", "shellsession"):
        return code.strip("\n")
    prompted = [line for line in code.splitlines() if re.match(r"^\s*[$#]\s", line)]
    if not prompted:
        return code.strip("\n")
    return "\n".join(re.sub(r"^\s*[$#]\s+", "", line) for line in prompted)


def verify_verdict(lang: str, code: str, *, check_context: bool, reads_like_check: bool) -> str | None:
    """Why a code block may NOT become a step's ``verify`` (None: it may).

    A block may only when it is shell (``sh``, ``bash``, ``shell``, ``console``...), or
    has no language and sits under a heading or line that says check/verify/confirm;
    the step or the commands must read like a check; nothing in it may be destructive.
    """
    lang = lang.lower()
    if lang and lang not in SHELL_LANGS:
        return f"it is {lang}, not shell"
    if looks_like_sql(code):
        return "it is SQL, not shell"
    if not lang and not check_context:
        return "it has no language and no check/verify/confirm line introduces it"
    if not (check_context or reads_like_check):
        return "neither the step nor the commands read like a check"
    bad = destructive_part(code)
    if bad is not None:
        return f"it contains '{bad}', which is not a check"
    return None


def looks_like_sql(code: str) -> bool:
    """Whether the first command of ``code`` is an SQL statement (``select ...;``)."""
    lines = [line for line in code.splitlines() if line.strip() and not line.strip().startswith("--")]
    return bool(lines) and _SQL.match(lines[0]) is not None


def inline_verdict(command: str) -> str | None:
    """Why an inline command of a check step may NOT become its verify (None: it may)."""
    if looks_like_sql(command):
        return "it is SQL, not shell"
    bad = destructive_part(command)
    return None if bad is None else f"it contains '{bad}', which is not a check"


def owner_of(text: str) -> str | None:
    """The owner a step names: ``(owner: NAME)``, ``@NAME`` or ``Owner: NAME``."""
    found: list[tuple[int, str]] = []
    for pattern in _OWNER_FORMS:
        match = pattern.search(text)
        if match is not None:
            name = " ".join(match.group(1).strip(" *_").split())
            if name and "?" not in name and name.lower() not in _NOT_NAMES:
                found.append((match.start(), name))
    return min(found)[1] if found else None


def is_go_no_go(text: str) -> bool:
    return GO_NO_GO.search(text) is not None


def is_point_of_no_return(text: str) -> bool:
    return POINT_OF_NO_RETURN.search(text) is not None


def is_not_an_estimate(text_before: str) -> bool:
    """Whether the words just before a duration make it a delay or a period, not an estimate."""
    return NOT_AN_ESTIMATE.search(text_before.rstrip()) is not None
