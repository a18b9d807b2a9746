"""A writer process for the storage tests (run as a script, one real process per writer).

    python tests/support/storage_writer.py mixed DATA PROJECT K N [LOCK_TIMEOUT]  # N notes and moves as wK
                                     (DATA: a data folder or a PostgreSQL address)
    python tests/support/storage_writer.py ack DATA PROJECT          # notes forever, one line per ack
    python tests/support/storage_writer.py hold DATA PROJECT SECONDS # hold the write lock
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from updeck.models.commands import AddNote, ItemAction, MoveItem
from updeck.models.events import Operator, utc_now
from updeck.storage.errors import Busy
from updeck.storage.repository import Repository, open_repository

CYCLE = (ItemAction.START, ItemAction.DONE, ItemAction.REOPEN)


def mixed(data: str, pid: str, k: int, n: int, timeout: float = 10.0) -> None:
    repo = open_repository(data, lock_timeout=timeout)  # a data folder or a PostgreSQL address
    me = Operator(user=f"w{k}", host="jump1")
    item = f"i{k + 1:04d}"
    busy = refused = 0
    errors: list[str] = []
    step = 0
    for i in range(n):
        if i % 2:
            cmd: AddNote | MoveItem = AddNote(text=f"w{k} note {i}", by=me, at=utc_now())
        else:
            action = CYCLE[step % 3]
            step += 1
            cmd = MoveItem(item=item, action=action, reason="again" if action is ItemAction.REOPEN
                           else "", by=me, at=utc_now())
        while True:
            try:
                result = repo.submit(pid, cmd)
            except Busy:
                busy += 1
                continue
            except Exception as exc:  # reported to the test, which fails on any
                errors.append(f"{type(exc).__name__}: {exc}")
                break
            if not isinstance(result, list):
                refused += 1
            break
    print(json.dumps({"busy": busy, "refused": refused, "errors": errors}), flush=True)


def ack(data: Path, pid: str) -> None:
    repo = Repository(data)
    me = Operator(user="killme", host="jump1")
    repo.load(pid)
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        result = repo.submit(pid, AddNote(text=f"ack {i}", by=me, at=utc_now()))
        assert isinstance(result, list)
        sys.stdout.write(f"{result[-1].seq} ack {i}\n")
        sys.stdout.flush()


def hold(data: Path, pid: str, seconds: float) -> None:
    repo = Repository(data)
    with repo.locked(pid):
        print("held", flush=True)
        time.sleep(seconds)


if __name__ == "__main__":
    mode, data_arg, project = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    if mode == "mixed":
        mixed(sys.argv[2], project, int(sys.argv[4]), int(sys.argv[5]),
              float(sys.argv[6]) if len(sys.argv) > 6 else 10.0)
    elif mode == "ack":
        ack(data_arg, project)
    elif mode == "hold":
        hold(data_arg, project, float(sys.argv[4]))
    else:
        raise SystemExit(f"unknown mode {mode}")
