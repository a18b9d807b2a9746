"""The status log: sealed events, plain-data round trips and the hash chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from updeck.models.events import GENESIS, ChainBreak, Event, EventKind, Operator, make_event, verify_chain

T0 = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)
OP = Operator("alice", "jump1", "10.0.0.5")


def chain(n: int) -> list[Event]:
    events: list[Event] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        event = make_event(seq, T0 + timedelta(seconds=seq), OP, EventKind.NOTE, None,
                           {"text": f"note {seq}"}, prev)
        events.append(event)
        prev = event.hash
    return events


def test_make_event_seals_the_event() -> None:
    event = make_event(1, T0, OP, EventKind.NOTE, "a", {"text": "hi"})
    assert event.prev == GENESIS
    assert len(event.hash) == 64 and event.hash == event.computed_hash()
    assert event.item == "a" and event.payload == {"text": "hi"}


def test_make_event_refuses_naive_times_and_stores_utc() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        make_event(1, datetime(2026, 1, 1), OP, EventKind.NOTE)
    local = datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    event = make_event(1, local, OP, EventKind.NOTE)
    assert event.at.utcoffset() == timedelta(0) and event.at.hour == 10


def test_the_hash_covers_every_field() -> None:
    event = make_event(1, T0, OP, EventKind.NOTE, "a", {"text": "hi"})
    for changed in (replace(event, seq=2), replace(event, at=T0 + timedelta(seconds=1)),
                    replace(event, by=Operator("mallory")), replace(event, kind=EventKind.ITEM_DONE),
                    replace(event, item="b"), replace(event, payload={"text": "ho"}),
                    replace(event, prev="1" * 64)):
        assert changed.computed_hash() != event.hash


def test_round_trip_through_plain_data() -> None:
    event = make_event(3, T0, OP, EventKind.VERIFICATION_RECORDED, "a",
                       {"exit_code": 0, "duration": 0.25, "output_tail": "ok ✔"}, "f" * 64)
    copy = Event.from_dict(event.to_dict())
    assert copy == event
    assert copy.computed_hash() == event.hash


def test_operator_label_and_round_trip() -> None:
    assert OP.label() == "alice@jump1 (ssh from 10.0.0.5)"
    assert Operator("bob").label() == "bob"
    assert Operator.from_dict(OP.to_dict()) == OP


def test_an_intact_chain_verifies() -> None:
    assert verify_chain(chain(5)) is None
    assert verify_chain([]) is None


def test_a_changed_event_is_named() -> None:
    events = chain(5)
    events[2] = replace(events[2], payload={"text": "forged"})
    broken = verify_chain(events)
    assert broken == ChainBreak(2, 3, "content was changed after it was written")
    assert str(broken) == "event #3: content was changed after it was written"


def test_a_changed_and_resealed_event_breaks_the_next_link() -> None:
    events = chain(5)
    forged = events[2]
    events[2] = make_event(forged.seq, forged.at, forged.by, forged.kind, forged.item, {"text": "x"},
                           forged.prev)
    broken = verify_chain(events)
    assert broken is not None and broken.seq == 4
    assert broken.reason == "does not follow the event before it (previous hash differs)"


def test_a_removed_event_is_named() -> None:
    events = chain(5)
    del events[1]
    broken = verify_chain(events)
    assert broken is not None and (broken.index, broken.seq) == (1, 3)
    assert broken.reason == "sequence number 3, expected 2 (an event was removed, added or moved)"


def test_reordered_events_are_named() -> None:
    events = chain(5)
    events[1], events[3] = events[3], events[1]
    broken = verify_chain(events)
    assert broken is not None and broken.index == 1 and broken.seq == 4


def test_a_chain_must_start_at_genesis() -> None:
    events = chain(3)[1:]
    broken = verify_chain(events)
    assert broken is not None and broken.seq == 2 and "expected 1" in broken.reason


def test_chain_break_without_seq_names_the_entry() -> None:
    assert str(ChainBreak(4, None, "unreadable")) == "entry 5: unreadable"
