"""The header's clock words: site time (the project's zone), and the operator's own
time (from ``TZ``) when it differs; UTC when the project has no zone."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from updeck.models.timezones import same_offset


def clock_text(now: datetime, site: tzinfo, own: tzinfo | None, *, wide: bool) -> Text:
    """`` 22:00:05 CET`` then `` · you 16:00 EST`` when the operator's zone differs."""
    local = now.astimezone(site)
    main = f" {local.strftime('%H:%M:%S')} {local.tzname() or 'UTC'}"
    site_word = wide and local.tzname() not in (None, "UTC")
    theirs = None if own is None or same_offset(site, own, now) else now.astimezone(own)
    out = Text()
    if not site_word and theirs is None:
        out.append(main + " ", style="bold")  # one span, as the UTC clock always was
        return out
    out.append(main, style="bold")
    if site_word:
        out.append(" site", style="dim")
    if theirs is not None:
        out.append(f" · you {theirs.strftime('%H:%M')} {theirs.tzname() or ''}".rstrip(),
                   style="cyan")
    out.append(" ")
    return out
