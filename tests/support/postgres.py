"""A throwaway PostgreSQL server for tests and benches: initdb + pg_ctl on a Unix socket in a temp folder.

``PgServer.start(folder)`` finds ``initdb`` on PATH or under /usr/lib/postgresql/*/bin
(the Debian ``postgresql`` package), runs the cluster without fsync (a test server: speed
over durability) and listens on a socket only. Run as root (CI containers), the server runs
as the ``postgres`` user (or ``nobody``): PostgreSQL refuses to run as root.
``find_bin_dir()`` is None when no server binary exists (the tests then skip, saying so).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path

SUPERUSER = "postgres"


def find_bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(candidates[-1]).parent if candidates else None


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    return None


class PgServer:
    """One running cluster; ``dsn(db)`` addresses a database in it."""

    def __init__(self, folder: Path, bin_dir: Path, *, durable: bool = False) -> None:
        self.durable = durable  # fsync and synchronous commit on (benchmarks), else off (tests)
        self.folder = folder
        self.bin = bin_dir
        self.data = folder / "data"
        self.socket_dir = folder / "sock"
        self.user = _run_as()

    def _cmd(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), check=check, capture_output=True, text=True,
                              user=self.user, timeout=120)

    def start(self) -> PgServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            for path in (self.folder, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        if not self.data.exists():
            self._cmd(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
                      "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C")
        self.up()
        return self

    def up(self) -> None:
        options = f"-k {self.socket_dir} -c listen_addresses='' -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._cmd(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start")

    def down(self, mode: str = "fast") -> None:
        self._cmd(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop",
                  check=False)

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@/{dbname}?host={self.socket_dir}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if exists is None:
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)
