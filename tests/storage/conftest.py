"""Storage tests: real files, and real writer processes (tests/support/storage_writer.py).
Builders shared with the writers and bench/bench_storage.py: tests/support/storage.py."""

from tests.support.pg_fixtures import pg_dsn, pg_schema, pg_server  # noqa: F401
