"""One connection to the database, reopened with backoff after it drops; errors made into sentences.

:meth:`Link.use` hands out the connection under a lock (a repository is shared by threads)
and turns a dropped connection into :class:`DatabaseUnreachable`; while the server stays
away, new attempts are spaced out (0.2 s doubling to 5 s) and the calls in between fail at
once with the same sentence, so a dashboard's poller never hammers a server that restarts.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

from updeck.storage.errors import DatabaseProblem, DatabaseUnreachable

BACKOFF_FIRST = 0.2  # seconds before the first retry after a failure
BACKOFF_MAX = 5.0
CONNECT_TIMEOUT = 5  # seconds (libpq's connect_timeout)


def psycopg_module() -> Any:
    """psycopg, or :class:`DatabaseProblem` saying how to install it."""
    try:
        import psycopg
    except ImportError:
        raise DatabaseProblem("the PostgreSQL backend needs psycopg 3: "
                              "pip install 'updeck[postgres]'") from None
    return psycopg


def connect(dsn: str, schema: str, where: str, lock_timeout: float = 0.0) -> Any:
    """A new autocommit connection with the schema on its search path and, when given, a
    lock timeout (seconds) for every statement that waits for a row lock."""
    psycopg = psycopg_module()
    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                               application_name="updeck")
    except psycopg.OperationalError as exc:
        raise DatabaseUnreachable(where, first_line(exc)) from None
    except psycopg.ProgrammingError as exc:  # a DSN libpq cannot parse
        raise DatabaseProblem(f"{where} is not a usable database address ({first_line(exc)})") from None
    millis = max(1, int(lock_timeout * 1000)) if lock_timeout > 0 else 0
    conn.execute("SELECT set_config('search_path', %s, false), set_config('lock_timeout', %s, false)",
                  (f"{schema}, pg_catalog", f"{millis}ms"))
    return conn


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0].rstrip(".")


class Link:
    """The repository's connection: opened on first use, reopened with backoff."""

    def __init__(self, dsn: str, schema: str, where: str, lock_timeout: float = 0.0) -> None:
        self.lock_timeout = lock_timeout
        self.dsn = dsn
        self.schema = schema
        self.where = where
        self.lock = threading.RLock()
        self._conn: Any = None
        self._failures = 0
        self._retry_at = 0.0
        self._reason = ""

    @property
    def down(self) -> bool:
        """True while the last attempt failed (the header says so)."""
        return self._failures > 0

    def _connection(self) -> Any:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        if self._failures and time.monotonic() < self._retry_at:
            raise DatabaseUnreachable(self.where, f"{self._reason}; retrying")
        try:
            self._conn = connect(self.dsn, self.schema, self.where, self.lock_timeout)
        except DatabaseUnreachable as exc:
            self._failed(exc.reason)
            raise
        self._failures = 0
        return self._conn

    def _failed(self, reason: str) -> None:
        self._failures += 1
        self._reason = reason
        delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (self._failures - 1))
        self._retry_at = time.monotonic() + delay

    @contextlib.contextmanager
    def use(self) -> Iterator[Any]:
        """The connection, held by this thread; a drop becomes :class:`DatabaseUnreachable`."""
        psycopg = psycopg_module()
        with self.lock:
            conn = self._connection()
            try:
                yield conn
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                if not (conn.closed or conn.broken):
                    raise  # a lock timeout, a cancelled statement: the caller decides
                self.drop()
                self._failed(first_line(exc))
                raise DatabaseUnreachable(self.where, first_line(exc)) from None

    def drop(self) -> None:
        with self.lock:
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    self._conn.close()
            self._conn = None
