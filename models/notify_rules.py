"""Notification rules as data: triggers, filters and targets, their checks and JSON form.

A rule (``notify:`` in a template, ``updeck notify PROJECT add``) says *on* which triggers,
for which items/phases/owners, *to* which targets a notification goes. Targets are a
``command`` (event JSON on stdin), a ``webhook`` (HTTP POST; payload ``shape``) or a
``file`` (JSON lines). A webhook URL is a secret: it is written as ``${ENV_NAME}`` (may be
part of a longer text) or ``file:/path``, and resolved only when sending; a literal URL is
allowed for a loopback host only. Nothing here does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from updeck.models.durations import DurationError, format_duration, parse_duration

#: Triggers fired by an event of the log.
EVENT_TRIGGERS = ("item_ready", "item_failed", "item_blocked", "approval_pending",
                  "approval_decided", "gate_passed", "window_opened", "window_closed",
                  "point_of_no_return", "rollback_started", "rollback_finished",
                  "metric_off_target", "every_event")
#: Triggers the sender evaluates against the clock (``decide_by`` takes a duration).
TIME_TRIGGERS = ("item_late", "decide_by")
TRIGGERS = EVENT_TRIGGERS + TIME_TRIGGERS
TARGET_KINDS = ("webhook", "command", "file")
SHAPES = ("generic", "slack", "teams", "mattermost")
DEFAULT_TIMEOUT = {"webhook": 10, "command": 30, "file": 10}
MAX_TIMEOUT = 600
RULE_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_LOOPBACK = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True, slots=True)
class NotifyTarget:
    """Where a notification goes. ``value``: the command, the URL (or its secret
    reference) or the file path."""

    kind: str
    value: str
    shape: str = "generic"
    timeout: int = 0  # seconds; 0 = the kind's default
    rehearsal: bool = False

    @property
    def seconds(self) -> int:
        return self.timeout or DEFAULT_TIMEOUT.get(self.kind, 10)

    def label(self) -> str:
        """How the target is shown: never a secret (a webhook shows its reference)."""
        shown = self.value if self.kind != "webhook" else webhook_label(self.value)
        extra = f" ({self.shape})" if self.kind == "webhook" and self.shape != "generic" else ""
        return f"{self.kind}:{shown}{extra}"


@dataclass(frozen=True, slots=True)
class NotifyRule:
    """One rule. ``since``: the seq of the event that added it (0: from the template);
    it fires only for events after that."""

    id: str
    on: tuple[str, ...]
    to: tuple[NotifyTarget, ...]
    items: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    since: int = 0


def parse_trigger(text: str) -> tuple[str, int]:
    """``item_failed`` -> (name, 0); ``decide_by 30m`` -> ("decide_by", 1800).
    ValueError with a sentence for anything else."""
    parts = str(text).split()
    if not parts:
        raise ValueError("an empty trigger")
    name = parts[0].replace("-", "_")
    if name not in TRIGGERS:
        raise ValueError(f"unknown trigger {text!r}; triggers are: {', '.join(TRIGGERS)}")
    if name == "decide_by":
        if len(parts) != 2:
            raise ValueError("decide_by needs how long before the decide-by moment, e.g. "
                             "'decide_by 30m'")
        try:
            seconds = parse_duration(parts[1])
        except DurationError as exc:
            raise ValueError(f"decide_by: {exc}") from None
        if seconds <= 0:
            raise ValueError("decide_by: the lead time must be more than 0")
        return name, seconds
    if len(parts) != 1:
        raise ValueError(f"trigger {name} takes no argument (got {text!r})")
    return name, 0


def trigger_text(name: str, seconds: int) -> str:
    return f"{name} {format_duration(seconds)}" if seconds else name


def webhook_label(value: str) -> str:
    """A webhook as it may be shown: its reference, or a loopback URL's host and port."""
    if ENV_REF.search(value) or value.startswith("file:"):
        return value
    parts = urlsplit(value)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.netloc else "…"


def target_problem(target: NotifyTarget) -> str | None:
    """Why a target cannot be used, or None."""
    if target.kind not in TARGET_KINDS:
        return f"unknown target kind {target.kind!r}; targets are: {', '.join(TARGET_KINDS)}"
    if not target.value.strip():
        return f"{target.kind}: empty"
    if target.shape not in SHAPES:
        return f"shape: {target.shape!r} is not a shape; shapes are: {', '.join(SHAPES)}"
    if target.shape != "generic" and target.kind != "webhook":
        return "shape: only for a webhook target"
    if not 0 <= target.timeout <= MAX_TIMEOUT:
        return f"timeout: at most {format_duration(MAX_TIMEOUT)}"
    if target.kind == "webhook":
        return webhook_problem(target.value)
    if target.kind == "file":
        if not target.value.startswith("/") or not target.value.endswith(".jsonl"):
            return ("file: an absolute path ending in .jsonl (notifications are appended "
                    "there as JSON lines)")
        if ENV_REF.search(target.value):
            return "file: a path, not a secret reference"
    if any(ch in target.value for ch in "\x00"):
        return f"{target.kind}: holds a NUL character"
    return None


def webhook_problem(value: str) -> str | None:
    if value.startswith("file:"):
        path = value[len("file:"):]
        return None if path.startswith("/") else "webhook: file: needs an absolute path"
    if ENV_REF.search(value):
        rest = ENV_REF.sub("", value)
        if "$" in rest:
            return "webhook: write an environment variable as ${NAME}"
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "webhook: an http(s) URL, ${ENV_NAME} or file:/path"
    if parts.hostname not in _LOOPBACK and not parts.hostname.startswith("127."):
        return ("webhook: a URL is a secret and the log is shared: write it as ${ENV_NAME} "
                "(set in the sender's environment) or file:/path (outside the data folder); "
                "only a loopback URL may be written as it is")
    if parts.username or parts.password:
        return "webhook: no user or password in the URL; use ${ENV_NAME}"
    return None


def rule_problem(rule: NotifyRule, item_ids: Sequence[str] = (),
                 phase_ids: Sequence[str] = ()) -> str | None:
    """Why a rule cannot be used, or None (item and phase ids checked when given)."""
    if not RULE_ID.fullmatch(rule.id):
        return (f"rule id {rule.id!r}: lowercase letters, digits, '.', '_' and '-', starting "
                "with a letter or digit")
    if not rule.on:
        return f"rule {rule.id}: on: needs at least one trigger"
    if not rule.to:
        return f"rule {rule.id}: to: needs at least one target"
    for trigger in rule.on:
        try:
            parse_trigger(trigger)
        except ValueError as exc:
            return f"rule {rule.id}: on: {exc}"
    for target in rule.to:
        if (problem := target_problem(target)) is not None:
            return f"rule {rule.id}: {problem}"
    if item_ids:
        unknown = [i for i in rule.items if i not in item_ids]
        if unknown:
            return f"rule {rule.id}: items: no item {', '.join(unknown)}"
    if phase_ids:
        unknown = [p for p in rule.phases if p not in phase_ids]
        if unknown:
            return f"rule {rule.id}: phases: no phase {', '.join(unknown)}"
    return None


def target_from_text(text: str, *, shape: str = "generic", timeout: int = 0,
                     rehearsal: bool = False) -> NotifyTarget:
    """``webhook:${URL}``, ``command:CMD`` or ``file:/path.jsonl`` (the CLI's ``--to``)."""
    kind, sep, value = text.partition(":")
    if not sep or kind not in TARGET_KINDS:
        raise ValueError(f"--to {text!r}: write webhook:URL_REF, command:CMD or file:/PATH.jsonl")
    return NotifyTarget(kind, value, shape if kind == "webhook" else "generic", timeout, rehearsal)


def target_to_dict(target: NotifyTarget) -> dict[str, Any]:
    data: dict[str, Any] = {target.kind: target.value}
    if target.shape != "generic":
        data["shape"] = target.shape
    if target.timeout:
        data["timeout"] = target.timeout
    if target.rehearsal:
        data["rehearsal"] = True
    return data


def target_from_dict(data: Mapping[str, Any]) -> NotifyTarget:
    kind = next((k for k in TARGET_KINDS if k in data), "")
    return NotifyTarget(kind, str(data.get(kind, "")), str(data.get("shape", "generic")),
                        int(data.get("timeout", 0) or 0), bool(data.get("rehearsal", False)))


def rule_to_dict(rule: NotifyRule) -> dict[str, Any]:
    data: dict[str, Any] = {"id": rule.id, "on": list(rule.on),
                            "to": [target_to_dict(t) for t in rule.to]}
    for key in ("items", "phases", "owners"):
        if value := getattr(rule, key):
            data[key] = list(value)
    if rule.since:
        data["since"] = rule.since
    return data


def rule_from_dict(data: Mapping[str, Any]) -> NotifyRule:
    return NotifyRule(
        id=str(data.get("id", "")),
        on=tuple(str(v) for v in data.get("on", ())),
        to=tuple(target_from_dict(t) for t in data.get("to", ())),
        items=tuple(str(v) for v in data.get("items", ())),
        phases=tuple(str(v) for v in data.get("phases", ())),
        owners=tuple(str(v) for v in data.get("owners", ())),
        since=int(data.get("since", 0) or 0),
    )


def next_rule_id(rules: Sequence[NotifyRule]) -> str:
    taken = {r.id for r in rules}
    n = len(rules) + 1
    while f"rule-{n}" in taken:
        n += 1
    return f"rule-{n}"


def rule_text(rule: NotifyRule) -> str:
    """One line: ``failures: on item_failed (items a, b) -> webhook:${SLACK} (slack)``."""
    filters = [f"{key} {', '.join(getattr(rule, key))}" for key in ("items", "phases", "owners")
               if getattr(rule, key)]
    targets = ", ".join(t.label() + (" [rehearsal]" if t.rehearsal else "") for t in rule.to)
    where = f" ({'; '.join(filters)})" if filters else ""
    return f"{rule.id}: on {', '.join(rule.on)}{where} -> {targets}"
