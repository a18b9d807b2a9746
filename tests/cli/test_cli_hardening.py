"""Issue 13 through the installed ``updeck``: each reproduction from the review is now a
clear refusal (exit 2 or 1, one line) or a visible, harmless rendering."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from tests.support.cli import Cli

C0_C1 = {*map(chr, range(0x20)), *map(chr, range(0x7F, 0xA0))} - {"\n"}


@pytest.fixture
def project(cli: Cli) -> str:
    return cli.ok("new", "mini", "--name", "Orders DB", "--var", "ticket=CHG-42",
                  "--window", "2030-01-05 22:00").strip()


def test_huge_times_are_a_clean_exit_2(cli: Cli, project: str) -> None:
    for argv in (("log", project, "--since", "9999999w"),
                 ("window", "set", project, "now", "9999999w"),
                 ("new", "mini", "--name", "X", "--var", "ticket=1", "--window", "+99999999d"),
                 ("window", "set", project, "0001-01-01T00:00"),
                 ("window", "set", project, "now", "31d")):
        result = cli(*argv)
        assert result.code == 2, str(result)
        assert "internal error" not in result.err and "Traceback" not in result.err


def test_operator_names_that_could_forge_log_lines_are_refused(cli: Cli, project: str) -> None:
    for name in ("alice\n#99 2026-12-05 root", "a\x1b]0;x\x07", "two  spaces", "x" * 65,
                 "rtl\u202eevil"):
        result = cli("note", project, "hello", "--as", name)
        assert result.code == 2, str(result)
        assert "operator name" in result.err
        assert not C0_C1 & set(result.err)
    cli.ok("note", project, "hello", "--as", "Zoë van Dam")
    assert "Zoë van Dam" in cli.ok("log", project)


def test_escape_sequences_in_notes_are_shown_escaped_everywhere(cli: Cli, project: str) -> None:
    cli.ok("note", project, "evil \x1b]0;pwned\x07 \x9b2J \u202eslp", "--as", "bob")
    for argv in (("log", project), ("status", project), ("export", project, "--format", "md"),
                 ("export", project, "--format", "csv"), ("export", project, "--format", "html"),
                 ("export", project, "--format", "json"), ("log", project, "--json")):
        out = cli.ok(*argv)
        assert not C0_C1 & set(out), argv
        assert "\u202e" not in out, argv
    assert "evil \\x1b]0;pwned\\x07 \\x9b2J \\u202eslp" in cli.ok("log", project)


def test_o_refuses_symlinks_and_devices_and_keeps_the_mode(cli: Cli, project: str,
                                                           tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("theirs")
    link = tmp_path / "report.md"
    link.symlink_to(victim)
    result = cli("export", project, "--format", "md", "-o", str(link))
    assert result.code == 1 and "symlink" in result.err, str(result)
    assert victim.read_text() == "theirs"
    result = cli("export", project, "--format", "md", "-o", "/dev/null")
    assert result.code == 1 and "device" in result.err, str(result)
    private = tmp_path / "private.md"
    private.write_text("old")
    private.chmod(0o600)
    cli.ok("export", project, "--format", "md", "-o", str(private))
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and "Orders DB" in private.read_text()


def test_import_refuses_devices_and_fifos(cli: Cli, tmp_path: Path) -> None:
    fifo = tmp_path / "runbook.md"
    os.mkfifo(fifo)
    for source in ("/dev/zero", str(fifo)):
        result = cli("import", source, timeout=20)
        assert result.code == 2, str(result)
        assert "not a regular file" in result.err


def test_check_log_catches_a_deleted_last_event_and_a_recorded_head(cli: Cli, project: str) -> None:
    import json as jsonlib

    cli.ok("note", project, "first")
    cli.ok("note", project, "second")
    status = cli.ok("status", project)
    head = re.search(r"chain head #(\d+) sha256:([0-9a-f]{16})…", status)
    assert head, status
    seq, digest = head.group(1), head.group(2)
    assert f"chain head #{seq} sha256:{digest}…" in cli.ok("log", project)
    assert f"chain head #{seq} sha256:{digest}…" in cli.ok("export", project, "--format", "md")
    assert "intact" in cli.ok("check-log", project, "--head",
                                                           f"{seq}:{digest}")
    # Someone who can write the folder deletes the last event: the chain is still intact.
    path = cli.log_files(project)[-1]
    doc = jsonlib.loads(path.read_text())
    del doc["events"][max(doc["events"], key=int)]
    path.write_text(jsonlib.dumps(doc))
    result = cli("check-log", project)
    assert result.code == 1, str(result)
    assert f"since you saw event #{seq} at" in result.err
    result = cli("note", project, "a cold note over the gap")
    assert result.code == 1 and "writes are refused" in result.err, str(result)
    # ...and another operator (no witness) is caught by the head in the change record.
    other = {"UPDECK_STATE_DIR": str(cli.root / "other-operator")}
    result = cli("check-log", project, "--head", f"#{seq} sha256:{digest}…", env=other)
    assert result.code == 1 and f"no event #{seq}" in result.err, str(result)
    assert cli("check-log", project, "--head", "nonsense", env=other).code == 2


@pytest.mark.parametrize("plant", ["fifo", "dev-zero", "outside"])
def test_planted_files_in_a_project_folder_never_hang_or_flood(cli: Cli, project: str,
                                                               plant: str) -> None:
    other = cli.ok("new", "other", "--name", "Bystander").strip()
    segment = cli.log_files(project)[-1]
    segment.unlink()
    if plant == "fifo":
        os.mkfifo(segment)
    elif plant == "dev-zero":
        segment.symlink_to("/dev/zero")
    else:
        secret = cli.root / "someone-elses-file.json"
        secret.write_text('{"events": {}}')
        segment.symlink_to(secret)
    result = cli("status", project, timeout=20)
    assert result.code == 1, str(result)
    assert "FIFO" in result.err or "device" in result.err or "outside" in result.err, result.err
    listing = cli("list", timeout=20)
    assert listing.code == 0 and other in listing.out, str(listing)
    result = cli("note", project, "over a planted file", timeout=20)
    assert result.code == 1, str(result)


def test_a_fifo_in_the_template_folder_never_hangs_the_search(cli: Cli) -> None:
    os.mkfifo(cli.templates / "trap.yaml")
    result = cli("templates", timeout=20)
    assert result.code in (0, 1), str(result)
    assert "mini" in result.out
    assert cli("new", "mini", "--name", "Still fine", "--var", "ticket=1", timeout=20).code == 0
