"""Turning an exception that reached the CLI boundary into one sentence and an exit code."""

from __future__ import annotations

from updeck.storage.errors import (
    AmbiguousProject,
    Busy,
    DamagedProject,
    DatabaseProblem,
    ProjectNotFound,
    StorageError,
)
from updeck.tui.cli.exit_codes import EXIT_REFUSED, EXIT_USAGE


def describe_exception(exc: BaseException) -> tuple[str, int]:
    """One sentence and an exit code for an exception that reached the boundary."""
    if isinstance(exc, (ProjectNotFound, AmbiguousProject, DatabaseProblem)):
        return str(exc), EXIT_USAGE
    if isinstance(exc, (DamagedProject, Busy)):
        return str(exc), EXIT_REFUSED
    if isinstance(exc, StorageError):
        name = type(exc).__name__
        return str(exc), EXIT_USAGE if name == "ProjectExists" else EXIT_REFUSED
    try:
        from updeck.storage.templates import TemplateErrors, TemplateNotFound
    except ImportError:  # pragma: no cover
        pass
    else:
        if isinstance(exc, TemplateNotFound):
            return str(exc), EXIT_USAGE
        if isinstance(exc, TemplateErrors):
            return ("; ".join(str(e) for e in exc.errors[:3]) or "template error",
                    EXIT_USAGE if exc.unreadable else EXIT_REFUSED)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return f"{where}{exc.strerror or exc}", EXIT_USAGE
    if isinstance(exc, UnicodeError):
        return f"not valid UTF-8 text ({exc})", EXIT_USAGE
    if isinstance(exc, (ValueError, LookupError)):
        return str(exc) or type(exc).__name__, EXIT_USAGE
    return f"internal error ({type(exc).__name__}: {exc}); set UPDECK_DEBUG=1 for details", EXIT_USAGE


