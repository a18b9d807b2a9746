"""Template problems: one located error, the exception listing all of them, and not-found."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class TemplateError:
    """One problem, at a 1-based line and column of a file."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class TemplateErrors(Exception):
    """Every problem found while loading a template (``errors``, sorted by place).

    ``unreadable`` is true when the file itself could not be read (missing, a folder,
    no permission): the CLI treats that as bad input rather than a broken template.
    """

    def __init__(self, errors: Sequence[TemplateError], *, unreadable: bool = False) -> None:
        self.errors: list[TemplateError] = sorted(set(errors))
        self.unreadable = unreadable
        super().__init__("\n".join(str(e) for e in self.errors))


class TemplateNotFound(LookupError):
    """No template with that id on the search path (``available`` lists the ids)."""

    def __init__(self, ref: str, available: Sequence[str], *, is_path: bool = False) -> None:
        self.ref = ref
        self.available = list(available)
        listed = ", ".join(self.available) if self.available else "none"
        what = f"no template file {ref}" if is_path else f"no template {ref!r} on the search path"
        super().__init__(f"{what}; available: {listed}")

