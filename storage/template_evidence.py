"""Template checks of an item's evidence keys: ``target`` (the metric grammar),
``expect_exit`` and ``expect_output`` (only beside ``verify``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from updeck.models.metric_target import TargetError, parse_target
from updeck.models.verify_verdict import pattern_error
from updeck.storage.template_fields import FieldReader, Pos, plain_value
from updeck.storage.yaml_nodes import TAG_INT, Entry, kind_of
from yaml.nodes import ScalarNode


def check_evidence(reader: FieldReader, found: Mapping[str, Entry], kw: dict[str, Any],
                   label: str, kind: str) -> None:
    """Check the item's target, expect_exit and expect_output; good values go into ``kw``."""
    if kind == "metric" and isinstance(kw.get("target"), str) and kw["target"].strip():
        _check_target(reader, found["target"].value, kw["target"])
    has_verify = bool(str(kw.get("verify") or "").strip())
    for key in ("expect_exit", "expect_output"):
        if key in found and not has_verify:
            reader.error(found[key].key_node, f"{key}: only for an item with a verify command "
                                              f"({label} has none)")
    if "expect_exit" in found:
        node = found["expect_exit"].value
        value = plain_value(node) if isinstance(node, ScalarNode) and node.tag == TAG_INT else None
        if isinstance(value, int) and 0 <= value <= 255 and value not in (126, 127):
            kw["expect_exit"] = value
        else:
            shown = f' "{node.value}"' if isinstance(node, ScalarNode) else f" {kind_of(node)}"
            reader.error(node, f"expect_exit: expected an exit code from 0 to 255 (not 126 or 127, "
                               f"which mean the command did not run), got{shown}")
    if "expect_output" in found:
        node = found["expect_output"].value
        pattern = reader.text(node, "expect_output", allow_empty=False)
        if pattern is not None:
            if (problem := pattern_error(pattern)) is not None:
                reader.error(node, problem)
            else:
                kw["expect_output"] = pattern


def _check_target(reader: FieldReader, node: Any, text: str) -> None:
    try:
        parse_target(text)
    except TargetError as exc:
        at = reader.pos(node)
        col = at.col
        if isinstance(node, ScalarNode) and "\n" not in text and node.style in (None, "'", '"'):
            col += (1 if node.style else 0) + exc.column  # point at the trouble inside the text
        reader.error(Pos(at.path, at.line, col), f"target: {exc}")
