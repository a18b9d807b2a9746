"""The notification outbox journal and the sender's lease, on disk: keys queued once, a
line torn by a crash skipped and cut off, compaction, a lease that expires or whose holder
died, a dashboard's lease taken by a sender."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from updeck.models.notify_match import Notification
from updeck.storage import notify_outbox
from updeck.storage.notify_outbox import FileOutbox, Settled


def note(n: int, target: int = 0) -> Notification:
    return Notification(f"p:{n}:r:{target}:-", "r", target, {"file": "/tmp/x.jsonl"},
                        {"key": f"p:{n}:r:{target}:-", "trigger": "every_event", "title": f"n{n}"})


def test_keys_are_queued_once_and_the_cursor_only_moves_forward(tmp_path: Path) -> None:
    box = FileOutbox(tmp_path)
    assert box.enqueue([note(1), note(2), note(1)], 5) == 2
    assert box.enqueue([note(2), note(3)], 3) == 1
    other = FileOutbox(tmp_path)  # another process's view of the same file
    view = other.view()
    assert [e.key for e in view.pending()] == [note(n).key for n in (1, 2, 3)]
    assert view.cursor == 5
    box.record_try(note(1).key, 1, "HTTP 503", time.time() + 60)
    box.settle([Settled(note(2).key, "delivered", 1, "", "now", 5)])
    box.mark_logged([note(2).key])
    view = other.view()
    assert view.entries[note(1).key].tries == 1 and view.entries[note(1).key].error == "HTTP 503"
    assert [e.key for e in view.pending()] == [note(1).key, note(3).key]
    assert view.unlogged() == []


def test_a_torn_last_line_is_skipped_then_cut_off(tmp_path: Path) -> None:
    box = FileOutbox(tmp_path)
    box.enqueue([note(1)], 1)
    with open(box.path, "ab") as handle:
        handle.write(b'{"q": {"key": "torn", "ru')  # a crash in the middle of a write
    assert [e.key for e in FileOutbox(tmp_path).view().pending()] == [note(1).key]
    box.enqueue([note(2)], 2)
    lines = box.path.read_bytes().splitlines()
    assert all(json.loads(line) for line in lines)
    assert [e.key for e in FileOutbox(tmp_path).view().pending()] == [note(1).key, note(2).key]


def test_the_journal_is_compacted_when_most_of_it_is_history(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify_outbox, "COMPACT_AT", 40)
    box = FileOutbox(tmp_path)
    box.enqueue([note(1)], 1)
    for n in range(40):
        box.record_try(note(1).key, n + 1, f"try {n}", 0.0)
    box.settle([Settled(note(1).key, "failed", 40, "gave up", "now", 1)])
    box.enqueue([note(2)], 2)
    assert len(box.path.read_bytes().splitlines()) < 10
    view = FileOutbox(tmp_path).view()
    assert view.entries[note(1).key].status == "failed"
    assert view.entries[note(1).key].tries == 40 and view.cursor == 2
    assert [e.key for e in view.pending()] == [note(2).key]


def test_the_lease_is_exclusive_expires_and_frees_when_its_holder_is_gone(tmp_path: Path) -> None:
    box = FileOutbox(tmp_path)
    mine, theirs = box.lease(), FileOutbox(tmp_path).lease()
    assert mine.acquire("run") and mine.acquire("run")  # renewing
    assert not theirs.acquire("run")
    assert mine.acquire("run", seconds=-1)  # expired at once
    assert theirs.acquire("run")
    theirs.release()
    # a holder on this host that no longer runs: free at once, long before it expires
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    dead = int(child.stdout)
    lease_file = box.folder / "lease.json"
    lease_file.write_text(json.dumps({"token": "x", "pid": dead, "host": os.uname().nodename,
                                      "started": "1", "kind": "run",
                                      "expires": time.time() + 3600}))
    assert mine.acquire("run")
    assert json.loads(lease_file.read_text())["pid"] == os.getpid()
