"""Recording a verification that has run: one function for the CLI and the dashboard.

The verify command has already run (and may have changed the system), so its result must
not be lost to a moment of contention: a busy project is retried for up to
:data:`RECORD_PATIENCE` seconds. If it still cannot be recorded, :class:`NotRecorded`
says what the run's result was, so the operator can act on it.

No Textual here: the CLI imports it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from datetime import datetime

from updeck.models.commands import RecordVerification, Refusal
from updeck.models.events import Event, Operator
from updeck.storage.contract import ProjectRepository
from updeck.storage.errors import Busy, StorageError
from updeck.tui.common.verify_run import CheckRun

RECORD_PATIENCE = 60.0  # seconds to keep retrying a busy project after a verify ran
RETRY_PAUSE = 0.5  # seconds between two tries


class NotRecorded(StorageError):
    """The verify command ran but its result could not be recorded."""


def verdict(run: CheckRun) -> str:
    """``passed`` or ``failed (why)``."""
    return "passed" if run.passed else f"failed ({run.failure})"


def record_verification(repo: ProjectRepository, project_id: str, item: str, command: str,
                        run: CheckRun, *, by: Operator, at: datetime,
                        patience: float = RECORD_PATIENCE,
                        on_busy: Callable[[], None] | None = None) -> list[Event] | Refusal:
    """Record ``run`` of ``item``'s verify ``command``; the events or the engine's refusal.

    A busy project is retried every :data:`RETRY_PAUSE` seconds for ``patience`` seconds
    (``on_busy`` is called before each retry). Raises :class:`NotRecorded`, naming the
    run's result, when the project stayed busy or the write failed."""
    record = RecordVerification(item=item, command=command, exit_code=run.exit_code,
                                output_tail=run.output_tail, duration=run.duration,
                                host=by.host or socket.gethostname(), by=by, at=at,
                                failure=run.failure)
    deadline = time.monotonic() + patience
    while True:
        try:
            return repo.submit(project_id, record)
        except Busy as exc:
            if time.monotonic() < deadline:
                if on_busy is not None:
                    on_busy()
                time.sleep(RETRY_PAUSE)
                continue
            failure: StorageError = exc
        except StorageError as exc:
            failure = exc
        raise NotRecorded(f"the verify command ran and {verdict(run)} in {run.duration:.1f}s, "
                          f"but it could not be recorded: {failure}") from failure
