"""pytest fixtures for the PostgreSQL backend: one throwaway server and database per test
worker (session scope), a fresh schema per test (cheap: no new server, no new database)."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import PgServer, find_bin_dir

_schemas = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server binary (initdb) on this machine: install the "
                    "postgresql package to run the PostgreSQL backend's tests")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed: pip install -e '.[test]'")
    # its own short folder in /tmp: the socket path has a length limit, and a server run
    # as the postgres user (the tests run as root in CI) must reach it
    folder = Path(tempfile.mkdtemp(prefix="updeck-pg-"))
    os.chmod(folder, 0o755)
    server = PgServer(folder, bin_dir).start()
    yield server
    server.down("immediate")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_dsn(pg_server: PgServer) -> str:
    return pg_server.create_database("updeck_tests")


def new_schema(dsn: str) -> str:
    """A fresh updeck schema in the test database (``updeck db init`` on it)."""
    from updeck.storage.postgres.schema import init_database

    name = f"t{os.getpid()}_{next(_schemas)}"
    init_database(dsn, schema=name)
    return name


@pytest.fixture
def pg_schema(pg_dsn: str) -> str:
    return new_schema(pg_dsn)
