"""What only the PostgreSQL backend does: the database keeps the history (triggers, grants),
check_log and the witness on rows changed behind updeck's back, addresses and passwords.
The contract both backends share is tested in test_repository_contract.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from updeck.models.commands import AddNote
from updeck.models.notify_match import Notification
from updeck.storage.errors import DamagedProject, DatabaseProblem, LogRewritten
from updeck.storage.notify_outbox import Settled
from updeck.storage.postgres.dsn import check_address, describe, is_database_address

from tests.support.storage import OPERATOR, T0, make_project


def note(text: str) -> AddNote:
    return AddNote(text=text, by=OPERATOR, at=T0 + timedelta(minutes=1))


def test_which_addresses_are_databases() -> None:
    for address in ("postgresql://db1/updeck", "postgres://u@db1:5433/x?sslmode=require",
                    "service=updeck", "host=db1 dbname=updeck"):
        assert is_database_address(address), address
    for folder in ("/srv/updeck", "data", "./service", "C:/x=y", ""):
        assert not is_database_address(folder), folder
    for secret in ("postgresql://u:pw@db1/x", "postgresql://db1/x?password=pw",
                   "host=db1 password=pw"):
        with pytest.raises(DatabaseProblem):
            check_address(secret)
        assert "pw" not in describe(secret).replace("password", "")


@pytest.fixture
def sql(pg_dsn: str) -> Iterator[object]:
    import psycopg

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        yield conn


@pytest.fixture
def pg_repo(pg_dsn: str, pg_schema: str) -> Iterator[object]:
    from updeck.storage.postgres.repository import PgRepository

    repo = PgRepository(pg_dsn, schema=pg_schema)
    repo.create_project(make_project(4, project_id="p1"), OPERATOR, T0)
    for i in range(3):
        repo.submit("p1", note(f"n{i}"))
    yield repo
    repo.close()


def test_the_database_refuses_to_change_or_fork_the_log(pg_repo: object, sql: object,
                                                         pg_schema: str) -> None:
    import psycopg

    conn: psycopg.Connection = sql  # type: ignore[assignment]
    for statement in (f"UPDATE {pg_schema}.events SET doc = doc WHERE seq = 2",
                      f"DELETE FROM {pg_schema}.events WHERE seq = 4",
                      f"TRUNCATE {pg_schema}.events CASCADE"):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute(statement)
    with pytest.raises(psycopg.errors.RaiseException, match="does not continue"):
        conn.execute(f"INSERT INTO {pg_schema}.events (project_id, seq, prev, hash, doc) "
                     "VALUES ('p1', 5, 'not-the-head', 'x', '{}')")
    with pytest.raises(psycopg.errors.UniqueViolation):  # a second event #4: no fork
        row = conn.execute(f"SELECT prev, hash, doc FROM {pg_schema}.events "
                           "WHERE project_id = 'p1' AND seq = 4").fetchone()
        assert row is not None
        conn.execute(f"INSERT INTO {pg_schema}.events (project_id, seq, prev, hash, doc) "
                     "VALUES ('p1', 4, %s, %s, %s)", row)


def test_a_row_rewritten_behind_updecks_back_is_found(pg_repo: object, sql: object,
                                                       pg_schema: str) -> None:
    import psycopg
    from updeck.storage.postgres.repository import PgRepository

    repo: PgRepository = pg_repo  # type: ignore[assignment]
    conn: psycopg.Connection = sql  # type: ignore[assignment]
    with conn.transaction():  # only the owner (a superuser here) can switch the guard off
        conn.execute(f"ALTER TABLE {pg_schema}.events DISABLE TRIGGER append_only")
        conn.execute(f"UPDATE {pg_schema}.events SET doc = replace(doc, 'n1', 'forged') "
                     "WHERE project_id = 'p1' AND seq = 3")
        conn.execute(f"ALTER TABLE {pg_schema}.events ENABLE TRIGGER append_only")
    broken = repo.check_log("p1")
    assert broken is not None and broken.seq == 3 and "changed" in broken.reason
    # the log cut back behind a head this operator saw: writes are refused
    with conn.transaction():
        conn.execute(f"ALTER TABLE {pg_schema}.events DISABLE TRIGGER append_only")
        conn.execute(f"DELETE FROM {pg_schema}.events WHERE project_id = 'p1' AND seq >= 3")
        conn.execute(f"UPDATE {pg_schema}.projects SET head_seq = 2, head_hash = "
                     f"(SELECT hash FROM {pg_schema}.events WHERE project_id = 'p1' AND seq = 2)")
        conn.execute(f"ALTER TABLE {pg_schema}.events ENABLE TRIGGER append_only")
    fresh = repo.reopen()
    try:
        assert fresh.log_rewritten("p1") is not None
        with pytest.raises(LogRewritten):
            fresh.submit("p1", note("refused"))
    finally:
        fresh.close()
    # the process that had the longer log cached notices the head row moved back
    with pytest.raises((DamagedProject, LogRewritten)):
        repo.submit("p1", note("refused too"))


def test_operator_and_reader_roles_get_only_their_grants(pg_dsn: str, sql: object) -> None:
    import psycopg
    from updeck.storage.postgres.repository import PgRepository
    from updeck.storage.postgres.schema import init_database

    conn: psycopg.Connection = sql  # type: ignore[assignment]
    for role in ("updeck_test_ops", "updeck_test_view"):
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
            conn.execute(f"CREATE ROLE {role} LOGIN")
    schema = "grants_test"
    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    init_database(pg_dsn, schema=schema, operator_role="updeck_test_ops",
                  reader_role="updeck_test_view")
    base = pg_dsn.replace("postgresql://postgres@", "postgresql://{}@")
    ops = PgRepository(base.format("updeck_test_ops"), schema=schema)
    view = PgRepository(base.format("updeck_test_view"), schema=schema)
    try:
        ops.create_project(make_project(3, project_id="g1"), OPERATOR, T0)
        assert isinstance(ops.submit("g1", note("by an operator")), list)
        assert view.load("g1").seq == 2 and view.check_log("g1") is None
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            view.submit("g1", note("readers cannot write"))
        with psycopg.connect(base.format("updeck_test_ops"), autocommit=True) as as_ops:
            for statement in (f"UPDATE {schema}.events SET doc = doc",
                              f"DELETE FROM {schema}.events"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    as_ops.execute(statement)
        # what a sender does, as an operator; a reader sees the outbox and changes nothing
        outbox, lease = ops.notify_outbox("g1"), ops.notify_outbox("g1").lease()
        sent = Notification("g1:2:r:0:-", "r", 0, {"file": "/tmp/x.jsonl"},
                            {"key": "g1:2:r:0:-", "trigger": "every_event"})
        assert lease.acquire("run") and outbox.enqueue([sent], 2) == 1
        outbox.record_try(sent.key, 1, "HTTP 503", 0.0)
        outbox.settle([Settled(sent.key, "delivered", 2, "", "now", 2)])
        outbox.mark_logged([sent.key])
        seen = view.notify_outbox("g1").view()
        assert seen.cursor == 2 and seen.entries[sent.key].status == "delivered"
        held = view.notify_outbox("g1").lease().current()
        assert held is not None and held.kind == "run"
        lease.release()
        with pytest.raises(DatabaseProblem, match="db init --operator-role"):
            view.notify_outbox("g1").enqueue([sent], 3)
    finally:
        ops.close()
        view.close()


def test_a_schema_of_version_1_is_migrated_and_gets_the_notification_tables(
        pg_dsn: str, sql: object, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg
    from updeck.storage.postgres import schema as pg_schema
    from updeck.storage.postgres.repository import PgRepository

    conn: psycopg.Connection = sql  # type: ignore[assignment]
    name = "migrate_test"
    conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    with monkeypatch.context() as patch:
        patch.setattr(pg_schema, "SCHEMA_VERSION", 1)
        assert pg_schema.init_database(pg_dsn, schema=name)[:2] == (0, 1)
    old = PgRepository(pg_dsn, schema=name)
    try:
        with pytest.raises(DatabaseProblem, match="migrates it to 2"):
            old.check()
    finally:
        old.close()
    assert pg_schema.init_database(pg_dsn, schema=name)[:2] == (1, 2)
    repo = PgRepository(pg_dsn, schema=name)
    try:
        repo.check()
        repo.create_project(make_project(2, project_id="m1"), OPERATOR, T0)
        assert repo.notify_outbox("m1").view().entries == {}
    finally:
        repo.close()
