"""The people in a Unix group of this host, for ``group:NAME`` role members."""

from __future__ import annotations

import grp
import pwd


def group_members(name: str) -> list[str]:
    """Members of group ``name`` (listed, and those whose primary group it is);
    empty when the host has no such group."""
    try:
        group = grp.getgrnam(name)
    except KeyError:
        return []
    people = dict.fromkeys(group.gr_mem)
    try:
        for entry in pwd.getpwall():
            if entry.pw_gid == group.gr_gid:
                people.setdefault(entry.pw_name, None)
    except OSError:  # pragma: no cover - unreadable passwd database
        pass
    return sorted(people)
