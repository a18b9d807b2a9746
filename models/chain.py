"""The log's chain head as people quote it (``#42 sha256:0123456789abcdef…``) and check it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from updeck.models.events import Event

SHOWN_HEX = 16  # enough to compare by eye and to look up; the full hash is in --json
MIN_HEX = 8
_HEAD = re.compile(r"^#?(\d{1,12})[:\s]+(?:sha256:)?([0-9a-fA-F]{8,64})…?$")


def head_label(seq: int, digest: str) -> str:
    """``#42 sha256:0123456789abcdef…``; ``#0 (empty log)`` without events."""
    if seq <= 0 or not digest:
        return "#0 (empty log)"
    return f"#{seq} sha256:{digest[:SHOWN_HEX]}…"


def parse_head(text: str) -> tuple[int, str]:
    """``N:HASH`` (or ``#N sha256:HASH…`` as printed) as (seq, lowercase hex prefix)."""
    match = _HEAD.match(text.strip())
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"{text.strip()[:80]!r} is not a chain head; write N:HASH with the "
                         f"event number and at least {MIN_HEX} hex digits of its hash, as "
                         "status and log print it (#N sha256:HASH…)")
    return int(match.group(1)), match.group(2).lower()


def check_head(events: Sequence[Event], seq: int, prefix: str) -> str | None:
    """None when event ``seq`` is in ``events`` (all of the log, oldest first) with a hash
    starting with ``prefix``; else what is wrong, in one sentence."""
    found = next((e for e in events if e.seq == seq), None)
    if found is None:
        last = events[-1].seq if events else 0
        return (f"the log has no event #{seq} (it ends at #{last}): it was cut since "
                "that head was recorded")
    if not found.hash.lower().startswith(prefix):
        return (f"event #{seq} has hash sha256:{found.hash[:SHOWN_HEX]}…, not "
                f"sha256:{prefix[:SHOWN_HEX]}…: the log was rewritten since that head was "
                "recorded")
    return None
