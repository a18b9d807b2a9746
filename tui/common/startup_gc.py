"""Fewer garbage collections while the program starts: loading the modules makes some
hundred thousand objects that hold no cycles worth collecting, and the young generation
is collected every 700 allocations. :func:`loading` raises that threshold until
:func:`loaded` puts it back (both idempotent; the first screen calls ``loaded``)."""

from __future__ import annotations

import gc

STARTUP_THRESHOLD = 100_000
_saved: tuple[int, int, int] | None = None


def loading() -> None:
    """Collect the young generation every ``STARTUP_THRESHOLD`` allocations for now."""
    global _saved
    if _saved is None:
        _saved = gc.get_threshold()
        gc.set_threshold(STARTUP_THRESHOLD, _saved[1], _saved[2])


def loaded() -> None:
    """Back to the collector's setting from before :func:`loading`."""
    global _saved
    if _saved is not None:
        gc.set_threshold(*_saved)
        _saved = None
