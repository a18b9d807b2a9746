"""What the outbox says, for ``updeck notify PROJECT status`` and the dashboard: counts per
target (queued, delivered, failed), the lease holder, and each notification."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from updeck.models.notify_rules import NotifyRule, rule_text, rule_to_dict, target_from_dict
from updeck.models.text import one_line
from updeck.storage.notify_lease import LeaseInfo
from updeck.storage.notify_outbox import OutboxView


@dataclass(frozen=True, slots=True)
class OutboxSummary:
    """The dashboard's line: undelivered and failed notifications, the last error."""

    queued: int
    failed: int
    last_error: str

    def text(self) -> str:
        parts = []
        if self.queued:
            parts.append(f"{self.queued} notification(s) not delivered yet")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.last_error:
            parts.append(f"last error: {self.last_error}")
        return one_line("; ".join(parts))


def summary(view: OutboxView) -> OutboxSummary:
    queued = view.pending()
    failed = [e for e in list(view.entries.values()) if e.status == "failed"]
    errors = sorted((e for e in list(view.entries.values()) if e.error and e.status != "delivered"),
                    key=lambda e: e.order)
    return OutboxSummary(len(queued), len(failed), errors[-1].error if errors else "")


def _iso_epoch(epoch: float) -> str | None:
    return datetime.fromtimestamp(epoch, UTC).isoformat() if epoch else None


def status_data(project_id: str, view: OutboxView, lease: LeaseInfo | None, head: int,
                rules: tuple[NotifyRule, ...], unscanned: int | None = None) -> dict[str, Any]:
    """The ``notify status --json`` document. ``unscanned``: the events after the sender's
    cursor that could notify anyone (not the sender's own outcomes); default: all of them."""
    targets: dict[str, dict[str, Any]] = {}
    notes = []
    # sorted() takes the values in one step (in C, the GIL held): no race with a sender thread
    for entry in sorted(view.entries.values(), key=lambda e: e.order):
        note = entry.notification
        row = targets.setdefault(note.target_id, {
            "target": note.target_id, "label": one_line(target_from_dict(note.target).label()),
            "queued": 0, "delivered": 0, "failed": 0, "last_error": ""})
        row[entry.status] += 1
        if entry.error and entry.status != "delivered":
            row["last_error"] = one_line(entry.error)
        notes.append({"key": note.key, "target": note.target_id,
                      "trigger": note.document.get("trigger"), "status": entry.status,
                      "tries": entry.tries, "error": one_line(entry.error),
                      "settled_at": entry.settled_at or None,
                      "next_try": _iso_epoch(entry.next_try) if entry.status == "queued" else None,
                      "title": one_line(note.document.get("title", ""))})
    live = lease is not None and lease.expires > time.time()
    return {
        "project": project_id,
        "sender": ({"holder": lease.holder(), "kind": lease.kind,
                    "expires": _iso_epoch(lease.expires)} if live and lease else None),
        "scanned_to": view.cursor,
        "log_head": head,
        "unscanned": max(0, head - view.cursor) if unscanned is None else unscanned,
        "rules": [rule_to_dict(r) for r in rules],
        "queued": sum(t["queued"] for t in targets.values()),
        "delivered": sum(t["delivered"] for t in targets.values()),
        "failed": sum(t["failed"] for t in targets.values()),
        "targets": list(targets.values()),
        "notifications": notes,
    }


def status_text(data: dict[str, Any]) -> str:
    lines = [f"notifications of {data['project']}: {data['queued']} queued, "
             f"{data['delivered']} delivered, {data['failed']} failed"]
    sender = data["sender"]
    lines.append(f"sender: {sender['holder']} (lease until {sender['expires']})" if sender
                 else "sender: none running (start 'updeck notify run', or open the dashboard)")
    if data["unscanned"]:
        lines.append(f"{data['unscanned']} log event(s) not yet looked at by a sender")
    for row in data["targets"]:
        line = (f"  {row['target']:<16} {row['label']}: {row['queued']} queued, "
                f"{row['delivered']} delivered, {row['failed']} failed")
        if row["last_error"]:
            line += f" — last error: {row['last_error']}"
        lines.append(line)
    for note in data["notifications"]:
        if note["status"] != "delivered":
            lines.append(f"  {note['status']:<9} {note['target']:<16} {note['title']}"
                         + (f" ({note['tries']} tries: {note['error']})" if note["error"] else ""))
    return "\n".join(lines)


def rules_text(rules: tuple[NotifyRule, ...]) -> str:
    if not rules:
        return "no notification rules (add one with 'updeck notify PROJECT add')"
    return "\n".join(rule_text(r) for r in rules)
