"""The PostgreSQL schema: tables, the append-only guards, versions and migrations, and the GRANTs.

All of updeck lives in one schema (``updeck`` unless told otherwise). ``schema_version``
holds one row per migration applied; ``MIGRATIONS[v]`` takes the schema from version
``v - 1`` to ``v`` (versioned like the file layout's ``SCHEMA_VERSION``). Only the owner
role runs them (``updeck db init``); a process of another role refuses to work on a schema
older or newer than its code.

The status log keeps its guarantees in the database itself, not only in the chain:
``events`` has the primary key ``(project_id, seq)``, a trigger refuses an event that
does not continue the one before it (seq and prev hash), and another refuses every UPDATE,
DELETE and TRUNCATE. Operators are granted INSERT and SELECT on it, nothing else.
The notification tables (v2) are a sender's working state: operators may update them.
"""

from __future__ import annotations

import re
from typing import Any

from updeck.models.events import GENESIS
from updeck.storage.errors import DatabaseProblem

SCHEMA_VERSION = 2
DEFAULT_SCHEMA = "updeck"
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

_V1 = """
CREATE TABLE {s}.projects (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    head_seq    bigint NOT NULL CHECK (head_seq >= 1),
    head_hash   text NOT NULL
);
CREATE TABLE {s}.events (
    project_id  text NOT NULL REFERENCES {s}.projects (id),
    seq         bigint NOT NULL CHECK (seq >= 1),
    prev        text NOT NULL,
    hash        text NOT NULL,
    doc         text NOT NULL,  -- Event.to_dict() as JSON; the hash covers its canonical form
    written_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, seq)
);
CREATE TABLE {s}.snapshots (
    project_id  text NOT NULL REFERENCES {s}.projects (id),
    seq         bigint NOT NULL,
    last_hash   text NOT NULL,
    fingerprint text NOT NULL,
    state       text NOT NULL,  -- updeck.storage.snapshot's encoding of the folded state
    PRIMARY KEY (project_id, seq, fingerprint)
);
CREATE FUNCTION {s}.events_continue_the_chain() RETURNS trigger LANGUAGE plpgsql
    SET search_path = {s}, pg_catalog AS $$
BEGIN
    IF NEW.seq = 1 THEN
        IF NEW.prev <> '{genesis}' THEN
            RAISE EXCEPTION 'updeck: event #1 of % must start the chain', NEW.project_id;
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM events e WHERE e.project_id = NEW.project_id
                      AND e.seq = NEW.seq - 1 AND e.hash = NEW.prev) THEN
        RAISE EXCEPTION 'updeck: event #% of % does not continue event #%',
            NEW.seq, NEW.project_id, NEW.seq - 1;
    END IF;
    RETURN NEW;
END $$;
CREATE FUNCTION {s}.events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'updeck: the status log is append-only (no UPDATE, DELETE or TRUNCATE)';
END $$;
CREATE TRIGGER continue_the_chain BEFORE INSERT ON {s}.events
    FOR EACH ROW EXECUTE FUNCTION {s}.events_continue_the_chain();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {s}.events
    FOR EACH ROW EXECUTE FUNCTION {s}.events_are_append_only();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON {s}.events
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.events_are_append_only();
"""

# v2: the notification outbox (issue 16 on PostgreSQL; see .pg_outbox): one row per
# notification keyed by its idempotency key, the log cursor and the sender's lease per project.
_V2 = """
CREATE TABLE {s}.notify_outbox (
    project_id   text NOT NULL REFERENCES {s}.projects (id),
    key          text NOT NULL,            -- the idempotency key: queued once
    ord          bigint NOT NULL,          -- the order it was queued in, per project
    notification jsonb NOT NULL,
    status       text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'delivered', 'failed')),
    tries        integer NOT NULL DEFAULT 0,
    error        text NOT NULL DEFAULT '',
    next_try     double precision NOT NULL DEFAULT 0,  -- epoch seconds; 0 = now
    settled_at   text NOT NULL DEFAULT '',
    head         bigint NOT NULL DEFAULT 0,  -- the log's seq when it settled
    logged       boolean NOT NULL DEFAULT false,  -- the outcome is in the status log
    rev          bigint NOT NULL DEFAULT 0,  -- notify_cursor.rev of its last change
    PRIMARY KEY (project_id, key)
);
CREATE INDEX notify_outbox_order ON {s}.notify_outbox (project_id, ord);
CREATE TABLE {s}.notify_cursor (
    project_id  text PRIMARY KEY REFERENCES {s}.projects (id),
    cursor      bigint NOT NULL DEFAULT 0,  -- the log was scanned up to this seq
    rev         bigint NOT NULL DEFAULT 0   -- moved by every change of the project's outbox
);
CREATE TABLE {s}.notify_lease (
    project_id  text PRIMARY KEY REFERENCES {s}.projects (id),
    token       text NOT NULL,
    pid         integer NOT NULL,
    host        text NOT NULL,
    started     text NOT NULL,
    kind        text NOT NULL,
    expires     timestamptz NOT NULL
);
"""

MIGRATIONS: dict[int, str] = {1: _V1, 2: _V2}

GRANTS_OPERATOR = """
GRANT USAGE ON SCHEMA {s} TO {role};
GRANT SELECT ON {s}.schema_version TO {role};
GRANT SELECT, INSERT ON {s}.projects, {s}.events, {s}.snapshots TO {role};
GRANT UPDATE (head_seq, head_hash) ON {s}.projects TO {role};
GRANT SELECT, INSERT, UPDATE ON {s}.notify_outbox, {s}.notify_cursor TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON {s}.notify_lease TO {role};
"""
GRANTS_READER = """
GRANT USAGE ON SCHEMA {s} TO {role};
GRANT SELECT ON {s}.schema_version, {s}.projects, {s}.events, {s}.snapshots TO {role};
GRANT SELECT ON {s}.notify_outbox, {s}.notify_cursor, {s}.notify_lease TO {role};
"""


def identifier(name: str) -> str:
    """``name`` if it is a plain lower-case SQL identifier, else :class:`DatabaseProblem`."""
    if not _IDENT.match(name):
        raise DatabaseProblem(f"{name!r} is not a usable schema or role name (lower-case "
                              "letters, digits and '_', at most 63)")
    return name


def grants(schema: str, operator_role: str | None, reader_role: str | None) -> str:
    """The GRANT statements for an operator role and a read-only role (as run by db init)."""
    text = ""
    if operator_role:
        text += GRANTS_OPERATOR.format(s=identifier(schema), role=identifier(operator_role))
    if reader_role:
        text += GRANTS_READER.format(s=identifier(schema), role=identifier(reader_role))
    return text


def installed_version(conn: Any, schema: str) -> int | None:
    """The schema's version, or None when ``updeck db init`` never ran there."""
    row = conn.execute("SELECT to_regclass(%s)", (f"{identifier(schema)}.schema_version",)).fetchone()
    if row is None or row[0] is None:
        return None
    found = conn.execute(f"SELECT max(version) FROM {schema}.schema_version").fetchone()
    return int(found[0]) if found and found[0] is not None else 0


def check_version(conn: Any, schema: str) -> None:
    """:class:`DatabaseProblem` unless the schema is at this code's version."""
    version = installed_version(conn, schema)
    if version is None:
        raise DatabaseProblem(f"the database has no updeck schema {schema!r} yet: the owner "
                              "role creates it with `updeck db init`")
    if version > SCHEMA_VERSION:
        raise DatabaseProblem(f"the updeck schema {schema!r} is at version {version}, newer "
                              f"than this updeck ({SCHEMA_VERSION}): upgrade updeck")
    if version < SCHEMA_VERSION:
        raise DatabaseProblem(f"the updeck schema {schema!r} is at version {version}; the "
                              f"owner role migrates it to {SCHEMA_VERSION} with `updeck db init`")


def init_schema(conn: Any, schema: str = DEFAULT_SCHEMA) -> tuple[int, int]:
    """Create or migrate the schema in one transaction; (version before, version now)."""
    s = identifier(schema)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"updeck-init {s}",))
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {s}")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {s}.schema_version ("
                     "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        before = installed_version(conn, s) or 0
        if before > SCHEMA_VERSION:
            raise DatabaseProblem(f"the updeck schema {s!r} is at version {before}, newer than "
                                  f"this updeck ({SCHEMA_VERSION}): upgrade updeck")
        for version in range(before + 1, SCHEMA_VERSION + 1):
            conn.execute(MIGRATIONS[version].format(s=s, genesis=GENESIS))
            conn.execute(f"INSERT INTO {s}.schema_version (version) VALUES (%s)", (version,))
    return before, SCHEMA_VERSION


def init_database(dsn: str, *, schema: str = DEFAULT_SCHEMA, operator_role: str | None = None,
                  reader_role: str | None = None) -> tuple[int, int, str]:
    """``updeck db init``: create or migrate the schema, then run the GRANTs for the roles
    named; (version before, version now, the address as said to people)."""
    from updeck.storage.postgres.dsn import check_address, describe
    from updeck.storage.postgres.link import connect

    address = check_address(dsn)
    where = describe(address)
    conn = connect(address, schema, where)
    try:
        before, now = init_schema(conn, schema)
        text = grants(schema, operator_role, reader_role)
        if text:
            with conn.transaction():
                conn.execute(text)
    finally:
        conn.close()
    return before, now, where
