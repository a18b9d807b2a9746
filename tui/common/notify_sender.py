"""The notification sender both faces run: ``updeck notify run`` and an open dashboard.

One :meth:`Sender.step` takes (or renews) the project's lease, scans the log from the
outbox's cursor for notifications due (event by event, state before and after), adds the
clock's (late items, decide-by), queues them in the outbox (by key: never twice), delivers
what is due in order per target (a failed try backs that target off exponentially; after
``max_tries``, or a 4xx answer, the notification fails for good and the next one goes),
and records the outcomes in the status log (``notify_delivered`` / ``notify_failed``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from updeck.models.commands import RecordNotifyOutcomes, Refusal
from updeck.models.engine import apply, fold
from updeck.models.event_text import iso
from updeck.models.events import EventKind, Operator, utc_now
from updeck.models.notify_match import event_notifications, time_notifications
from updeck.models.notify_rules import target_from_dict
from updeck.models.schedule import compute_schedule
from updeck.models.state import ProjectState
from updeck.storage.contract import ProjectRepository
from updeck.storage.errors import DatabaseProblem, StorageError
from updeck.storage.notify_outbox import Entry, Outbox, Settled, file_outbox
from updeck.storage.repository import Repository
from updeck.tui.common.notify_deliver import SecretMissing, deliver, resolve_secret

RENEW_EVERY = 5.0  # seconds between lease renewals (the lease lasts 30)
CLOCK_EVERY = 1.0  # seconds between evaluations of the time triggers
LOG_BATCH = 500
LOG_EVERY = 1.0  # seconds between log writes of outcomes while deliveries go on
SYNC_EVERY = 0.2  # seconds: outcomes are written at once, fsync'd together this often


@dataclass(frozen=True, slots=True)
class SenderConfig:
    kind: str = "run"  # run (updeck notify run) or dashboard
    commands: bool = False  # run command: targets (only 'notify run --allow-commands')
    max_tries: int = 12
    backoff: float = 1.0  # seconds before the second try; doubles up to max_backoff
    max_backoff: float = 300.0


@dataclass(slots=True)
class StepResult:
    holding: bool = False
    queued: int = 0  # newly queued in this step
    delivered: int = 0
    failed: int = 0
    pending: int = 0
    in_flight: int = 0  # targets being delivered to by a worker thread
    next_due: float | None = None  # epoch seconds of the earliest backed-off retry


@dataclass(slots=True)
class _Scan:
    cursor: int = -1
    state: ProjectState | None = None
    last_clock: float = 0.0
    logged_checked: bool = False
    lease_at: float = 0.0
    logged_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def outbox_available(repo: ProjectRepository) -> bool:
    """True when the store keeps an outbox: a data folder, or a PostgreSQL database."""
    return isinstance(repo, Repository) or callable(getattr(repo, "notify_outbox", None))


def outbox_for(repo: ProjectRepository, project_id: str) -> Outbox:
    """The project's outbox: the journal in its folder (data folder), or the tables of the
    database (``PgRepository.notify_outbox``; psycopg is loaded only on that path).
    ``DatabaseProblem`` on a store that keeps none."""
    if isinstance(repo, Repository):
        return file_outbox(repo.project_dir(project_id), lock_timeout=repo.lock_timeout)
    make = getattr(repo, "notify_outbox", None)
    if not callable(make):
        raise DatabaseProblem(f"{repo.where()} keeps no notification outbox: notifications "
                              "are not sent from it (the rules stay in the log)")
    outbox: Outbox = make(project_id)
    return outbox


class Sender:
    def __init__(self, repo: ProjectRepository, project_id: str, operator: Operator, *,
                 config: SenderConfig | None = None, outbox: Outbox | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.repo = repo
        self.project_id = project_id
        # Outcomes are recorded as the person running the sender (never 'as' someone: a
        # team's --as rule must not keep them out of the log).
        self.operator = replace(operator, user=operator.person)
        self.config = config or SenderConfig()
        self.outbox = outbox if outbox is not None else outbox_for(repo, project_id)
        self.lease = self.outbox.lease()
        self.clock = clock
        self._scan = _Scan()
        self._workers: dict[str, threading.Thread] = {}
        self._counts = threading.Lock()
        self._delivered = self._failed = 0
        self.data_dir: Path | None = getattr(repo, "data_dir", None)

    # --- one round ----------------------------------------------------------------------

    def step(self) -> StepResult:
        result = StepResult()
        if not self._hold():
            return result
        result.holding = True
        result.queued = self._queue_due()
        self._deliver(result)
        self._log_outcomes()
        view = self.outbox.view()
        pending = view.pending()
        result.pending = len(pending)
        retries = [e.next_try for e in pending if e.next_try]
        result.next_due = min(retries) if retries else None
        return result

    def release(self) -> None:
        self.lease.release()
        self._scan.lease_at = 0.0

    def _hold(self, force: bool = False) -> bool:
        now = time.monotonic()
        if not force and self._scan.lease_at and now - self._scan.lease_at < RENEW_EVERY:
            return True
        if self.lease.acquire(self.config.kind):
            self._scan.lease_at = now
            return True
        self._scan.lease_at = 0.0
        return False

    # --- scanning -------------------------------------------------------------------------

    def _state_at(self, seq: int) -> ProjectState | None:
        if seq <= 0:
            return None
        return fold(e for e in self.repo.events(self.project_id, 0) if e.seq <= seq)

    def _queue_due(self) -> int:
        view = self.outbox.view()
        scan = self._scan
        if scan.cursor != view.cursor:  # first step, or another sender moved it
            scan.cursor, scan.state = view.cursor, None
        current, events = self.repo.changes_since(self.project_id, scan.cursor)
        due = []
        if events:
            before = scan.state
            if before is None and scan.cursor > 0:
                before = self._state_at(scan.cursor)
            for event in events:
                after = apply(before, event)
                due.extend(event_notifications(before, event, after))
                before = after
            scan.state, scan.cursor = before, events[-1].seq
        elif scan.state is None and scan.cursor > 0:
            scan.state = current
        queued = self.outbox.enqueue(due, scan.cursor) if (due or events) else 0
        mono = time.monotonic()
        if scan.state is not None and scan.state.notify_rules and mono - scan.last_clock >= CLOCK_EVERY:
            scan.last_clock = mono
            now = self.clock()
            timed = time_notifications(scan.state, compute_schedule(scan.state, now), now)
            if timed:
                queued += self.outbox.enqueue(timed, None)
        return queued

    # --- delivering -----------------------------------------------------------------------

    def _skip(self, entry: Entry) -> bool:
        """Targets this sender leaves for another: commands without --allow-commands, and
        for a dashboard a webhook whose secret it cannot resolve."""
        target = target_from_dict(entry.notification.target)
        if target.kind == "command" and not self.config.commands:
            return True
        if self.config.kind == "dashboard" and target.kind == "webhook":
            try:
                resolve_secret(target.value, self.data_dir)
            except SecretMissing:
                return True
        return False

    def _deliver(self, result: StepResult) -> None:
        """Start a worker thread for each target with something due and none running: a
        slow or hanging target never holds up the others (nor the next scan)."""
        by_target: dict[str, Entry] = {}
        for entry in sorted(self.outbox.view().pending(), key=lambda e: e.order):
            by_target.setdefault(entry.notification.target_id, entry)
        for target_id, first in by_target.items():
            running = self._workers.get(target_id)
            if running is not None and running.is_alive():
                continue
            if first.next_try > time.time() or self._skip(first):
                continue
            worker = threading.Thread(target=self._drain_target, args=(target_id,),
                                      name=f"notify {target_id}", daemon=True)
            self._workers[target_id] = worker
            worker.start()
        with self._counts:
            result.delivered, result.failed = self._delivered, self._failed
            self._delivered = self._failed = 0
        result.in_flight = sum(1 for w in self._workers.values() if w.is_alive())

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait for the deliveries in flight; False if some still run after ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for worker in list(self._workers.values()):
            worker.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(w.is_alive() for w in self._workers.values())

    def _drain_target(self, target_id: str) -> None:
        """One target's due notifications, in order. Each outcome is appended to the outbox
        as it comes (a ``kill -9`` loses none of them); they are fsync'd together every
        SYNC_EVERY s (a power cut can lose the last few: sent again, with the same keys)."""
        entries = sorted((e for e in self.outbox.view().pending()
                          if e.notification.target_id == target_id), key=lambda e: e.order)
        unsynced = False
        since = time.monotonic()
        try:
            for entry in entries:
                if entry.next_try > time.time() or self._skip(entry) or not self._hold():
                    break
                outcome = deliver(entry.notification, self.data_dir,
                                  commands=self.config.commands)
                tries = entry.tries + 1
                at = iso(self.clock()) or ""
                if outcome.ok or outcome.permanent or tries >= self.config.max_tries:
                    status = "delivered" if outcome.ok else "failed"
                    self.outbox.settle([Settled(entry.key, status, tries, outcome.error, at,
                                                self._scan.cursor)], durable=False)
                    unsynced = True
                    with self._counts:
                        if outcome.ok:
                            self._delivered += 1
                        else:
                            self._failed += 1
                else:
                    delay = min(self.config.backoff * 2 ** (tries - 1), self.config.max_backoff)
                    self.outbox.record_try(entry.key, tries, outcome.error, time.time() + delay)
                    break  # in order: the rest of this target waits for this one
                if unsynced and time.monotonic() - since >= SYNC_EVERY:
                    self.outbox.sync()
                    unsynced, since = False, time.monotonic()
        except StorageError:  # the database went away: what is not settled stays queued
            pass
        finally:
            if unsynced:
                self.outbox.sync()

    # --- the status log -------------------------------------------------------------------

    def _log_outcomes(self) -> None:
        """In batches: at once when no delivery is in flight, else every LOG_EVERY s or
        LOG_BATCH outcomes (one log write each)."""
        view = self.outbox.view()
        unlogged = view.unlogged()
        if not unlogged:
            return
        flying = any(w.is_alive() for w in self._workers.values())
        if (flying and len(unlogged) < LOG_BATCH
                and time.monotonic() - self._scan.logged_at < LOG_EVERY):
            return
        self._scan.logged_at = time.monotonic()
        if not self._scan.logged_checked:  # a crash between the log write and 'logged'
            self._scan.logged_checked = True
            since = min(e.head for e in unlogged)
            found: set[str] = set()
            for event in self.repo.events(self.project_id, since):
                if event.kind is EventKind.NOTIFY_DELIVERED:
                    found.update(str(n.get("key")) for n in event.payload.get("notifications", ()))
                elif event.kind is EventKind.NOTIFY_FAILED:
                    found.add(str(event.payload.get("key")))
            already = [e.key for e in unlogged if e.key in found]
            self.outbox.mark_logged(already)
            unlogged = [e for e in unlogged if e.key not in found]
        for start in range(0, len(unlogged), LOG_BATCH):
            chunk = unlogged[start:start + LOG_BATCH]
            delivered = tuple(_outcome(e) for e in chunk if e.status == "delivered")
            failed = tuple(_outcome(e, error=True) for e in chunk if e.status == "failed")
            try:
                result = self.repo.submit(self.project_id, RecordNotifyOutcomes(
                    delivered=delivered, failed=failed, by=self.operator, at=self.clock()))
            except StorageError:
                return  # busy or damaged: the outcomes stay in the outbox, logged later
            if isinstance(result, Refusal):
                return
            self.outbox.mark_logged(e.key for e in chunk)


def _outcome(entry: Entry, *, error: bool = False) -> dict[str, object]:
    note = entry.notification
    data: dict[str, object] = {"key": note.key, "rule": note.rule, "target": note.target_id,
                               "label": target_from_dict(note.target).label(),
                               "trigger": str(note.document.get("trigger", "")),
                               "tries": entry.tries}
    if error:
        data["error"] = entry.error
    return data
