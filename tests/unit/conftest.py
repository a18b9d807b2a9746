"""Unit and property tests of the pure domain (updeck.models): no disk, no processes.
Builders live in tests/support/engine.py; hypothesis profiles in tests/conftest.py."""
