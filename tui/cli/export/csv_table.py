"""The report as CSV: one row per item; cells a spreadsheet would run as a formula are quoted."""

from __future__ import annotations

import csv
import io
from typing import Any

from updeck.models.durations import format_duration
from updeck.tui.cli.export.document import Data, signed

CSV_COLUMNS: tuple[str, ...] = (
    "phase", "id", "title", "kind", "owner", "required", "status", "by", "reason",
    "estimate", "planned_start", "planned_finish", "actual_start", "actual_finish",
    "actual_duration", "variance", "late", "late_reason", "cost_planned", "cost_actual",
    "verification",
)


def render_csv(data: Data) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in data["items"]:
        row = dict(item)
        row["required"] = "yes" if item["required"] else "no"
        row["late"] = "yes" if item["late"] else "no"
        row["estimate"] = format_duration(item["estimate"], empty="")
        row["actual_duration"] = format_duration(item["actual_duration"], empty="")
        row["variance"] = signed(item["variance"], empty="")
        check = item["verification"]
        row["verification"] = ("" if check is None else
                               "passed" if check["passed"] else f"failed ({check['failure']})")
        writer.writerow(["" if row[c] is None else csv_safe(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def csv_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe: any cell
    starting with ``= + - @``, a tab or a carriage return (``+1+HYPERLINK(...)`` too)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
