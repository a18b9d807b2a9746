"""The installed ``updeck`` as a separate process, for the terminal, SSH and browser tests."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

UPDECK = str(Path(sys.executable).with_name("updeck"))


def updeck(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([UPDECK, "--db", str(db), *args], capture_output=True, text=True,
                          timeout=60)


def new_project(folder: Path, template_text: str, name: str) -> tuple[Path, str]:
    """A project made through the CLI from ``template_text``: its data folder and id."""
    db = folder / "data"
    template = folder / "template.yaml"
    template.write_text(template_text)
    made = updeck(db, "new", str(template), "--name", name)
    assert made.returncode == 0, made.stderr
    return db, made.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
