"""The notification outbox and the sender's lease of a project on PostgreSQL (tables of schema v2).

:class:`PgOutbox` keeps the :class:`~updeck.storage.notify_outbox.Outbox` contract of the
file journal on three tables (:mod:`.schema`): ``notify_outbox`` (one row per notification,
primary key ``(project_id, key)``: ``INSERT … ON CONFLICT DO NOTHING`` queues a key once;
``ord`` the order it was queued in), ``notify_cursor`` (how far the log was scanned) and
``notify_lease``. Every change is one autocommitted statement or one transaction, so it
is durable when the call returns (``durable=False`` and :meth:`sync` have nothing to do).
Enqueuers of a project queue one at a time: they lock its cursor row first. Every change
also moves the cursor row's ``rev``, so a sender that looks ten times a second while
nothing happens reads one row, not the whole outbox.

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
        """The outbox now. The cursor row first (with ``rev``, moved by every change: while
        it stays, the last view is still true and no notification is read again), then the
        entries: never a cursor ahead of the notifications read with it."""
        with _using(self.link) as conn:
            row = conn.execute("SELECT cursor, rev FROM notify_cursor WHERE project_id = %s",
                               (self.project_id,)).fetchone()
            if row is None:  # nothing queued yet (enqueue makes the row first)
                return OutboxView()
            if self._view is not None and int(row[1]) == self._rev:
                return self._view
            rows = conn.execute(f"SELECT {_COLUMNS} FROM notify_outbox WHERE project_id = %s "
                                "ORDER BY ord", (self.project_id,)).fetchall()
            view = OutboxView(cursor=int(row[0]), lines=len(rows))
            for key, order, doc, status, tries, error, next_try, settled_at, head, logged in rows:
                data = orjson.loads(doc) if isinstance(doc, (str, bytes)) else doc
                view.entries[str(key)] = Entry(
                    Notification.from_dict(data), int(order), str(status), int(tries), str(error),
                    float(next_try), str(settled_at), int(head), bool(logged))
            self._view, self._rev = view, int(row[1])
            return view

    def _changed(self, conn: Any) -> None:
        """Move ``rev`` (in the transaction of the change)."""
        conn.execute("UPDATE notify_cursor SET rev = rev + 1 WHERE project_id = %s",
                     (self.project_id,))

    # --- writing ----------------------------------------------------------------------

    def enqueue(self, notifications: Sequence[Notification], cursor: int | None) -> int:
        """Queue the notifications not seen before (by key) and move the scan cursor; how
        many were new. One transaction, under the project's cursor row lock."""
        unique = {n.key: n for n in notifications}
        with _using(self.link) as conn, conn.transaction():
            conn.execute("INSERT INTO notify_cursor (project_id, cursor) VALUES (%s, 0) "
                         "ON CONFLICT DO NOTHING", (self.project_id,))
            locked = conn.execute("SELECT cursor FROM notify_cursor WHERE project_id = %s "
                                  "FOR UPDATE", (self.project_id,)).fetchone()
            fresh: list[Notification] = []
            if unique:
                seen = {str(r[0]) for r in conn.execute(
                    "SELECT key FROM notify_outbox WHERE project_id = %s AND key = ANY(%s)",
                    (self.project_id, list(unique))).fetchall()}
                fresh = [n for key, n in unique.items() if key not in seen]
            if fresh:
                row = conn.execute("SELECT coalesce(max(ord) + 1, 0) FROM notify_outbox "
                                   "WHERE project_id = %s", (self.project_id,)).fetchone()
                start = int(row[0]) if row else 0
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO notify_outbox (project_id, key, ord, notification) "
                        "VALUES (%s, %s, %s, %s::jsonb) ON CONFLICT DO NOTHING",
                        [(self.project_id, n.key, start + i, orjson.dumps(n.to_dict()).decode())
                         for i, n in enumerate(fresh)])
            if fresh or (cursor is not None and cursor > int(locked[0])):
                conn.execute("UPDATE notify_cursor SET cursor = greatest(cursor, %s), "
                             "rev = rev + 1 WHERE project_id = %s", (cursor or 0, self.project_id))
        return len(fresh)

    def record_try(self, key: str, tries: int, error: str, next_try: float) -> None:
        with _using(self.link) as conn, conn.transaction():
            conn.execute("UPDATE notify_outbox SET tries = %s, error = %s, next_try = %s "
                         "WHERE project_id = %s AND key = %s",
                         (tries, error, next_try, self.project_id, key))
            self._changed(conn)

    def settle(self, outcomes: Sequence[Settled], *, durable: bool = True) -> None:
        """Outcomes in one transaction (durable at commit, whatever ``durable`` says)."""
        if not outcomes:
            return
        with _using(self.link) as conn, conn.transaction():
            with conn.cursor() as cur:
                cur.executemany(
                    "UPDATE notify_outbox SET status = %s, tries = %s, error = %s, "
                    "settled_at = %s, head = %s WHERE project_id = %s AND key = %s",
                    [(o.status, o.tries, o.error, o.at, o.head, self.project_id, o.key)
                     for o in outcomes])
            self._changed(conn)

    def sync(self) -> None:
        """Nothing to do: every change is committed when its call returns."""

    def mark_logged(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if keys:
            with _using(self.link) as conn, conn.transaction():
                conn.execute("UPDATE notify_outbox SET logged = true "
                             "WHERE project_id = %s AND key = ANY(%s)", (self.project_id, keys))
                self._changed(conn)


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
