"""Template checks of the site keys: the top-level ``timezone`` (an IANA name) and an
item's ``stream`` (a short workstream id)."""

from __future__ import annotations

import re

from updeck.models.timezones import zone_problem
from updeck.storage.template_fields import FieldReader
from yaml.nodes import Node

STREAM_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
STREAM_RULE = ("a short id: lowercase letters, digits, '_' and '-', starting with a letter or "
               "digit, at most 24 characters (such as dba, app, network)")


def check_timezone(reader: FieldReader, node: Node) -> str | None:
    """The zone name when zoneinfo knows it; else an error at the value's line and column."""
    value = reader.text(node, "timezone", one_line=True, allow_empty=False)
    if value is None:
        return None
    if (problem := zone_problem(value)) is not None:
        reader.error(node, f"timezone: {problem}")
        return None
    return value.strip()


def check_stream(reader: FieldReader, node: Node) -> str | None:
    """The stream id when it is a short id; else an error at the value."""
    return reader.slug(node, "stream", STREAM_ID, STREAM_RULE, 24)
