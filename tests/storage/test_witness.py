"""Issue 13: witnesses for the chain. Whoever can write the shared folder can delete the
last event or rewrite and re-hash the whole chain (check-log passes); an operator whose
processes saw the original is told, and writes are refused."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from updeck.models.chain import check_head, head_label, parse_head
from updeck.models.commands import AddNote
from updeck.models.events import GENESIS, Event
from updeck.storage import witness
from updeck.storage.errors import LogRewritten
from updeck.storage.repository import Repository

from tests.support.storage import OPERATOR, T0, make_project


def new_project(db: Path, notes: int = 3) -> str:
    repo = Repository(db)
    pid = repo.create_project(make_project(5), by=OPERATOR, at=T0).id
    for n in range(notes):
        assert not hasattr(repo.submit(pid, AddNote(text=f"note {n}", by=OPERATOR, at=T0)),
                           "reason")
    return pid


def segment(db: Path, pid: str) -> Path:
    return sorted((db / "projects" / pid).glob("log-*.json"))[-1]


def delete_last_event(db: Path, pid: str) -> None:
    path = segment(db, pid)
    doc = json.loads(path.read_text())
    last = max(doc["events"], key=int)
    del doc["events"][last]
    path.write_text(json.dumps(doc))


def rewrite_and_rehash(db: Path, pid: str) -> None:
    """Change a note's text and re-hash every event after it: the chain is intact again."""
    path = segment(db, pid)
    doc = json.loads(path.read_text())
    prev = GENESIS
    for key in sorted(doc["events"], key=int):
        event = Event.from_dict(doc["events"][key])
        if event.payload.get("text") == "note 1":
            event = dataclasses.replace(event, payload={**event.payload, "text": "all fine"})
        event = dataclasses.replace(event, prev=prev, hash="")
        event = dataclasses.replace(event, hash=event.computed_hash())
        doc["events"][key] = event.to_dict()
        prev = event.hash
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize("tamper", [delete_last_event, rewrite_and_rehash])
def test_a_cut_or_rewritten_log_is_caught_and_writes_are_refused(tmp_path: Path, tamper) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "data"
    pid = new_project(db)
    seen = witness.load(db / "projects" / pid)
    assert seen is not None and seen.seq == 4
    tamper(db, pid)
    repo = Repository(db)  # a later process of the same operator
    assert repo.check_log(pid) is None  # the chain alone cannot tell
    problem = repo.log_rewritten(pid)
    assert problem is not None
    assert problem.startswith("the log was cut or rewritten since you saw event #4 at ")
    with pytest.raises(LogRewritten, match="writes are refused"):
        repo.submit(pid, AddNote(text="a cold note over the gap", by=OPERATOR, at=T0))
    assert repo.load(pid).seq == (3 if tamper is delete_last_event else 4)  # nothing written


def test_an_operator_who_never_saw_the_log_has_nothing_to_compare(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "data"
    pid = new_project(db)
    rewrite_and_rehash(db, pid)
    monkeypatch.setenv("UPDECK_STATE_DIR", str(tmp_path / "someone-else"))
    repo = Repository(db)
    assert repo.log_rewritten(pid) is None  # documented: the witness is what they saw
    head = repo.chain_head(pid)
    assert head[0] == 4


def test_the_witness_follows_every_write_and_lives_outside_the_shared_folder(tmp_path: Path) -> None:
    db = tmp_path / "data"
    pid = new_project(db, notes=1)
    repo = Repository(db)
    repo.submit(pid, AddNote(text="more", by=OPERATOR, at=T0))
    seen = witness.load(db / "projects" / pid)
    assert seen is not None and (seen.seq, seen.hash) == repo.chain_head(pid)
    assert db not in witness.witness_path(db / "projects" / pid).parents
    assert repo.log_rewritten(pid) is None


def test_a_head_recorded_elsewhere_is_checked(tmp_path: Path) -> None:
    db = tmp_path / "data"
    pid = new_project(db)
    repo = Repository(db)
    seq, digest = repo.chain_head(pid)
    label = head_label(seq, digest)
    assert label == f"#4 sha256:{digest[:16]}…"
    events = repo.events(pid)
    assert check_head(events, *parse_head(label)) is None
    assert check_head(events, *parse_head(f"4:{digest}")) is None
    assert "rewritten" in (check_head(events, *parse_head(f"4:{'0' * 12}")) or "")
    assert "cut" in (check_head(events, *parse_head(f"9:{digest[:8]}")) or "")
    for bad in ("4", "x:abcdef12", "4:abc", "0:abcdef12"):
        with pytest.raises(ValueError, match="chain head"):
            parse_head(bad)


# --- snapshots verified against the log ---------------------------------------------------

def test_an_edited_snapshot_is_not_trusted_the_log_is_replayed_and_it_says_so_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from updeck.models.state import ItemStatus

    db = tmp_path / "data"
    writer = Repository(db, segment_size=5)
    pid = writer.create_project(make_project(6, project_id="p1"), by=OPERATOR, at=T0).id
    for n in range(12):
        writer.submit(pid, AddNote(text=f"n{n}", by=OPERATOR, at=T0))
    truth = writer.load(pid)
    snap = sorted((db / "projects" / pid).glob("snap-*.json"))[-1]
    # Issue 13: set five items done in the snapshot.
    doc = json.loads(snap.read_text())
    items = doc["snapshot"]["1"]["state"]["items"]["$m"]
    for item_id in sorted(items)[:5]:
        items[item_id]["status"] = {"$e": "ItemStatus", "v": "done"}
    snap.write_text(json.dumps(doc))
    for state_dir in ("same-operator", "someone-else"):
        if state_dir == "someone-else":
            doc_again = json.loads(snap.read_text())
            doc_again["snapshot"]["1"]["state"]["items"] = doc["snapshot"]["1"]["state"]["items"]
            snap.write_text(json.dumps(doc_again))  # edited again, after the rewrite
            monkeypatch.setenv("UPDECK_STATE_DIR", str(tmp_path / state_dir))
        reader = Repository(db)
        state = reader.load(pid)
        assert state == truth
        assert all(run.status is not ItemStatus.DONE for run in state.items.values())
        said = reader.notice(pid)
        assert said is not None and snap.name in said and "replayed" in said
        assert reader.notice(pid) is None  # once
    # The replay rewrote the snapshot: the next process opens from it, silently.
    later = Repository(db)
    assert later.load(pid) == truth and later.notice(pid) is None
    assert later._cache[pid].base > 0
