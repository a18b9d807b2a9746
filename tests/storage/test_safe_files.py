"""Issue 13, files: reads take regular files only with a size cap (a FIFO never hangs),
``-o`` writes never follow a planted symlink, never replace a non-file, keep the mode."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from updeck.storage.safe_files import UnsafeFile, read_regular, write_replacing


def test_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "log-0001.json"
    os.mkfifo(fifo)
    with pytest.raises(UnsafeFile, match="FIFO"):
        read_regular(fifo)


def test_a_device_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafeFile, match="device"):
        read_regular("/dev/zero")
    link = tmp_path / "seg.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(UnsafeFile):
        read_regular(link, inside=tmp_path)


def test_a_symlink_out_of_the_folder_is_refused_and_one_inside_is_read(tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere.txt"
    secret.write_text("secret")
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "out.json").symlink_to(secret)
    with pytest.raises(UnsafeFile, match="outside"):
        read_regular(folder / "out.json", inside=folder)
    (folder / "real.json").write_text("ok")
    (folder / "alias.json").symlink_to(folder / "real.json")
    assert read_regular(folder / "alias.json", inside=folder) == b"ok"


def test_the_size_cap_holds(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * 1001)
    with pytest.raises(UnsafeFile, match="larger"):
        read_regular(big, limit=1000)
    assert read_regular(big, limit=1001) == b"x" * 1001


def test_o_never_writes_through_a_planted_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("theirs")
    target = tmp_path / "report.md"
    for pid in range(os.getpid() - 2, os.getpid() + 3):  # the old predictable temp names
        (tmp_path / f".report.md.{pid}.tmp").symlink_to(victim)
    write_replacing(target, b"mine")
    assert victim.read_text() == "theirs"
    assert target.read_text() == "mine"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report.md.") and not p.is_symlink()]


@pytest.mark.parametrize("kind", ["symlink", "fifo", "folder"])
def test_o_refuses_to_replace_anything_but_a_regular_file(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "out.csv"
    victim = tmp_path / "victim"
    victim.write_text("theirs")
    if kind == "symlink":
        target.symlink_to(victim)
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    with pytest.raises(UnsafeFile, match="refusing to replace"):
        write_replacing(target, b"mine")
    assert victim.read_text() == "theirs"
    assert os.lstat(target).st_mode & 0o170000 == {
        "symlink": stat.S_IFLNK, "fifo": stat.S_IFIFO, "folder": stat.S_IFDIR}[kind]


def test_o_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    target = tmp_path / "private.md"
    target.write_text("old")
    target.chmod(0o600)
    write_replacing(target, b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() == "new"


def test_a_new_file_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_replacing(tmp_path / "new.md", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.md").stat().st_mode) == 0o640
