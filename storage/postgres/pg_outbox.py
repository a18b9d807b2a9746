"""The notification outbox and the sender's lease of a project on PostgreSQL (tables of schema v2).

:class:`PgOutbox` keeps the :class:`~updeck.storage.notify_outbox.Outbox` contract of the
file journal on three tables (:mod:`.schema`): ``notify_outbox`` (one row per notification,
primary key ``(project_id, key)``: ``INSERT … ON CONFLICT DO NOTHING`` queues a key once;
``ord`` the order it was queued in), ``notify_cursor`` (how far the log was scanned) and
``notify_lease``. Every change is one autocommitted statement or one transaction, durable when the call
returns; only ``settle(durable=False)`` commits without waiting for the WAL flush, which
:meth:`sync` then waits for (the file journal's fsync every SYNC_EVERY s, in the database).
Enqueuers of a project queue one at a time: they lock its cursor row first. Every change
moves the cursor row's ``rev`` (under its row lock) and stamps the rows it changed with
it, so a sender that looks ten times a second reads one row while nothing happens and only
the rows changed since its last look otherwise.

:class:`PgLease` is one row per project, taken with one upsert that only overwrites a row
that expired (by the server's clock), is this holder's own, or a dashboard's when a ``run``
asks; a holder on this host that no longer runs is replaced by a compare-and-set on its
token, as with the lease file.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from updeck.models.notify_match import Notification
from updeck.storage.errors import DatabaseProblem
from updeck.storage.notify_lease import LEASE_SECONDS, LeaseInfo, holder_gone, process_started
from updeck.storage.notify_outbox import Entry, OutboxView, Settled
from updeck.storage.postgres.link import Link, first_line, psycopg_module

_COLUMNS = "key, ord, notification, status, tries, error, next_try, settled_at, head, logged"


@contextmanager
def _using(link: Link) -> Iterator[Any]:
    """The repository's connection; a refusal by the server (a missing GRANT, a schema not
    migrated) becomes one sentence (:class:`DatabaseProblem`)."""
    psycopg = psycopg_module()
    with link.use() as conn:
        try:
            yield conn
        except psycopg.errors.InsufficientPrivilege as exc:
            raise DatabaseProblem(
                f"{link.where}: this role may not keep the notification outbox "
                f"({first_line(exc)}): the owner role grants it with `updeck db init "
                "--operator-role ROLE`") from None
        except psycopg.errors.UndefinedTable as exc:
            raise DatabaseProblem(
                f"{link.where}: no notification outbox ({first_line(exc)}): the owner "
                "role migrates the schema with `updeck db init`") from None


class PgOutbox:
    """One project's outbox in the database (see the module docstring)."""

    def __init__(self, link: Link, project_id: str) -> None:
        self.link = link
        self.project_id = project_id
        self._view: OutboxView | None = None
        self._rev = -1

    def lease(self) -> PgLease:
        return PgLease(self.link, self.project_id)

    # --- reading ----------------------------------------------------------------------

    def view(self) -> OutboxView:
        """The outbox now: the cursor row first (``cursor``, ``rev``), then only the rows
        changed since the last look (``rev`` above the last one seen), merged into a new
        view (a view once returned never changes). Never a cursor ahead of the
        notifications read with it."""
        with _using(self.link) as conn:
            row = conn.execute("SELECT cursor, rev FROM notify_cursor WHERE project_id = %s",
                               (self.project_id,)).fetchone()
            if row is None:  # nothing queued yet (enqueue makes the row first)
                return OutboxView()
            cursor, rev = int(row[0]), int(row[1])
            if self._view is not None and rev == self._rev and cursor == self._view.cursor:
                return self._view
            rows = conn.execute(f"SELECT {_COLUMNS} FROM notify_outbox WHERE project_id = %s "
                                "AND rev > %s ORDER BY ord", (self.project_id, self._rev)).fetchall()
            # new keys come after the old ones (``ord`` only grows): the dict stays in order
            entries = dict(self._view.entries) if self._view is not None else {}
            for key, order, doc, status, tries, error, next_try, settled_at, head, logged in rows:
                data = orjson.loads(doc) if isinstance(doc, (str, bytes)) else doc
                entries[str(key)] = Entry(
                    Notification.from_dict(data), int(order), str(status), int(tries), str(error),
                    float(next_try), str(settled_at), int(head), bool(logged))
            view = OutboxView(cursor=cursor, entries=entries, lines=len(entries))
            self._view, self._rev = view, rev
            return view

    def _next_rev(self, conn: Any) -> int:
        """Lock the project's cursor row and move its ``rev`` (in the transaction of a
        change; the rows changed carry it). Changes of a project so commit one at a time,
        in ``rev`` order: a reader that saw ``rev`` n has every row up to n."""
        row = conn.execute("UPDATE notify_cursor SET rev = rev + 1 WHERE project_id = %s "
                           "RETURNING rev", (self.project_id,)).fetchone()
        return int(row[0]) if row else 0

    # --- writing ----------------------------------------------------------------------

    def enqueue(self, notifications: Sequence[Notification], cursor: int | None) -> int:
        """Queue the notifications not seen before (by key) and move the scan cursor; how
        many were new. One transaction, under the project's cursor row lock."""
        unique = {n.key: n for n in notifications}
        with _using(self.link) as conn, conn.transaction():
            conn.execute("INSERT INTO notify_cursor (project_id, cursor) VALUES (%s, 0) "
                         "ON CONFLICT DO NOTHING", (self.project_id,))
            locked = conn.execute("SELECT cursor, rev FROM notify_cursor WHERE project_id = %s "
                                  "FOR UPDATE", (self.project_id,)).fetchone()
            fresh: list[Notification] = []
            if unique:
                seen = {str(r[0]) for r in conn.execute(
                    "SELECT key FROM notify_outbox WHERE project_id = %s AND key = ANY(%s)",
                    (self.project_id, list(unique))).fetchall()}
                fresh = [n for key, n in unique.items() if key not in seen]
            if not fresh and (cursor is None or cursor <= int(locked[0])):
                return 0
            rev = int(locked[1]) + 1
            if fresh:
                row = conn.execute("SELECT coalesce(max(ord) + 1, 0) FROM notify_outbox "
                                   "WHERE project_id = %s", (self.project_id,)).fetchone()
                start = int(row[0]) if row else 0
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO notify_outbox (project_id, key, ord, notification, rev) "
                        "VALUES (%s, %s, %s, %s::jsonb, %s) ON CONFLICT DO NOTHING",
                        [(self.project_id, n.key, start + i, orjson.dumps(n.to_dict()).decode(),
                          rev) for i, n in enumerate(fresh)])
            conn.execute("UPDATE notify_cursor SET cursor = greatest(cursor, %s), rev = %s "
                         "WHERE project_id = %s", (cursor or 0, rev, self.project_id))
        return len(fresh)

    def record_try(self, key: str, tries: int, error: str, next_try: float) -> None:
        with _using(self.link) as conn, conn.transaction():
            conn.execute("UPDATE notify_outbox SET tries = %s, error = %s, next_try = %s, "
                         "rev = %s WHERE project_id = %s AND key = %s",
                         (tries, error, next_try, self._next_rev(conn), self.project_id, key))

    def settle(self, outcomes: Sequence[Settled], *, durable: bool = True) -> None:
        """Outcomes in one transaction. ``durable=False`` commits without waiting for the
        server's WAL flush (``synchronous_commit = off`` for this transaction): committed
        and seen by every reader at once, so it survives the sender's ``kill -9``; a crash
        of the server itself can lose the last few (sent again, with the same keys) until
        :meth:`sync`, as with the file's fsync."""
        if not outcomes:
            return
        with _using(self.link) as conn, conn.transaction():
            if not durable:
                conn.execute("SET LOCAL synchronous_commit = off")
            rev = self._next_rev(conn)
            with conn.cursor() as cur:
                cur.executemany(
                    "UPDATE notify_outbox SET status = %s, tries = %s, error = %s, "
                    "settled_at = %s, head = %s, rev = %s WHERE project_id = %s AND key = %s",
                    [(o.status, o.tries, o.error, o.at, o.head, rev, self.project_id, o.key)
                     for o in outcomes])

    def sync(self) -> None:
        """Wait until the outcomes settled with ``durable=False`` are on the server's disk:
        a transaction that writes (the cursor row, unchanged) commits with the session's
        ``synchronous_commit``, waiting for the WAL up to its commit, so for every commit
        before it."""
        with _using(self.link) as conn:
            conn.execute("UPDATE notify_cursor SET rev = rev WHERE project_id = %s",
                         (self.project_id,))

    def mark_logged(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if keys:
            with _using(self.link) as conn, conn.transaction():
                conn.execute("UPDATE notify_outbox SET logged = true, rev = %s "
                             "WHERE project_id = %s AND key = ANY(%s)",
                             (self._next_rev(conn), self.project_id, keys))


_TAKE = """
INSERT INTO notify_lease AS held (project_id, token, pid, host, started, kind, expires)
VALUES (%(project)s, %(token)s, %(pid)s, %(host)s, %(started)s, %(kind)s,
        now() + make_interval(secs => %(seconds)s))
ON CONFLICT (project_id) DO UPDATE SET token = excluded.token, pid = excluded.pid,
    host = excluded.host, started = excluded.started, kind = excluded.kind,
    expires = excluded.expires
WHERE held.expires < now() OR held.token = excluded.token
   OR (excluded.kind = 'run' AND held.kind = 'dashboard')
RETURNING token
"""
_TAKE_FROM_GONE = """
UPDATE notify_lease SET token = %(token)s, pid = %(pid)s, host = %(host)s,
    started = %(started)s, kind = %(kind)s, expires = now() + make_interval(secs => %(seconds)s)
WHERE project_id = %(project)s AND token = %(gone)s
RETURNING token
"""


class PgLease:
    """The sender's lease of one project: a row of ``notify_lease``."""

    def __init__(self, link: Link, project_id: str) -> None:
        self.link = link
        self.project_id = project_id
        self.token = os.urandom(8).hex()
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.started = process_started(self.pid)

    def current(self) -> LeaseInfo | None:
        with _using(self.link) as conn:
            row = conn.execute("SELECT token, pid, host, started, kind, "
                               "extract(epoch FROM expires)::float8 FROM notify_lease "
                               "WHERE project_id = %s", (self.project_id,)).fetchone()
        if row is None:
            return None
        token, pid, host, started, kind, expires = row
        return LeaseInfo(str(token), int(pid), str(host), str(started), str(kind), float(expires))

    def acquire(self, kind: str, *, seconds: float = LEASE_SECONDS) -> bool:
        """Take or renew the lease; False while another sender holds it."""
        if self.pid != os.getpid():  # a forked child is not the holder
            self.pid, self.token = os.getpid(), os.urandom(8).hex()
            self.started = process_started(self.pid)
        params = {"project": self.project_id, "token": self.token, "pid": self.pid,
                  "host": self.host, "started": self.started, "kind": kind,
                  "seconds": float(seconds)}
        with _using(self.link) as conn:
            if conn.execute(_TAKE, params).fetchone() is not None:
                return True
        info = self.current()
        if info is None or not holder_gone(info, self.host):
            return False
        with _using(self.link) as conn:  # its holder was kill -9'd
            return conn.execute(_TAKE_FROM_GONE, {**params, "gone": info.token}).fetchone() is not None

    def release(self) -> None:
        with _using(self.link) as conn:
            conn.execute("DELETE FROM notify_lease WHERE project_id = %s AND token = %s",
                         (self.project_id, self.token))
