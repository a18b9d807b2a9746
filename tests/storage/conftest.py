"""Storage tests: real files, and real writer processes (tests/support/storage_writer.py).
Builders shared with the writers and bench/bench_storage.py: tests/support/storage.py."""
