"""The CLI on PostgreSQL (a throwaway server, tests/support/postgres.py): db init, the everyday
commands, a project moved file -> PostgreSQL -> file with the same chain head, and the
sentences (exit 2) for an unreachable server, a password on the command line, a folder."""

from __future__ import annotations

import json
import os
import re

from tests.support.cli import Cli
from tests.support.postgres import PgServer

HEAD = re.compile(r"chain head (#\d+ sha256:[0-9a-f]+)")


def head_of(out: str) -> str:
    found = HEAD.search(out)
    assert found, out
    return found.group(1)


def test_a_project_moves_file_to_postgres_and_back_with_the_same_head(
        cli: Cli, pg_server: PgServer) -> None:
    pid = cli.ok("new", "mini", "--name", "Orders DB", "--var", "ticket=CHG-1").strip()
    cli.ok("item", pid, "inventory", "start")
    cli.ok("item", pid, "inventory", "done", "--note", "listed")
    cli.ok("note", pid, "moving to PostgreSQL")
    head = head_of(cli.ok("check-log", pid))
    export = cli.root / "orders.json"
    cli.ok("export", pid, "--format", "json", "-o", str(export))

    database = pg_server.create_database(f"move_{os.getpid()}")
    on_pg = {"UPDECK_DB": database}
    assert "schema created" in cli.ok("db", "init", env=on_pg)
    assert "restored " + pid in cli.ok("restore", str(export), env=on_pg)
    assert head_of(cli.ok("check-log", pid, env=on_pg)) == head
    # it works there as with files: a write, the log, the status
    cli.ok("note", pid, "written on PostgreSQL", env=on_pg)
    assert "written on PostgreSQL" in cli.ok("log", pid, env=on_pg)
    assert json.loads(cli.ok("status", pid, "--json", env=on_pg))["project"]["id"] == pid
    head_pg = head_of(cli.ok("check-log", pid, env=on_pg))
    assert head_pg != head
    again = cli.root / "orders-pg.json"
    cli.ok("export", pid, "--format", "json", "-o", str(again), env=on_pg)
    refused = cli("restore", str(again), env=on_pg)
    assert refused.code == 2 and "already exists" in refused.err

    back = {"UPDECK_DB": str(cli.root / "back")}
    cli.ok("restore", str(again), env=back)
    assert head_of(cli.ok("check-log", pid, env=back)) == head_pg
    assert cli.ok("log", pid, env=back) == cli.ok("log", pid, env=on_pg)


def test_an_unreachable_database_is_one_sentence_and_exit_2(cli: Cli, tmp_path: object) -> None:
    gone = f"postgresql://updeck@/updeck?host={cli.root}/no-server-here"
    result = cli("list", env={"UPDECK_DB": gone})
    assert result.code == 2, str(result)
    assert "is unreachable" in result.err and "Traceback" not in result.err
    assert result.err.count("\n") == 1


def test_a_password_on_the_command_line_is_refused(cli: Cli) -> None:
    for address in ("postgresql://ops:s3cret@db1/updeck", "host=db1 dbname=updeck password=s3cret"):
        result = cli("--db", address, "list")
        assert result.code == 2, str(result)
        assert "s3cret" not in result.err
        assert ".pgpass" in result.err and "PGPASSWORD" in result.err


def test_db_init_needs_a_database(cli: Cli) -> None:
    result = cli("db", "init")
    assert result.code == 2 and "PostgreSQL" in result.err
