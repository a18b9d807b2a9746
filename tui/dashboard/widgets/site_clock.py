"""The header's clock words: site time (the project's zone), and the operator's own
time (from ``TZ``) when it differs; UTC when the project has no zone."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from updeck.models.timezones import same_offset


def clock_text(now: datetime, site: tzinfo, own: tzinfo | None, *, wide: bool) -> Text:
    """`` 22:00:05 CET`` then `` · you 16:00 EST`` when the operator's zone differs."""
    local = now.astimezone(site)
    out = Text()
    out.append(f" {local.strftime('%H:%M:%S')} {local.tzname() or 'UTC'}", style="bold")
    if wide and local.tzname() not in (None, "UTC"):
        out.append(" site", style="dim")
    if own is not None and not same_offset(site, own, now):
        theirs = now.astimezone(own)
        out.append(f" · you {theirs.strftime('%H:%M')} {theirs.tzname() or ''}".rstrip(),
                   style="cyan")
    out.append(" ", style="bold")
    return out
