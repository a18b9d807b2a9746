"""``updeck serve``: the read-only browser view, in a real headless Chromium."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from updeck.tui.cli.serve import is_loopback

from tests.support.browser import Browser, chromium_path
from tests.support.processes import UPDECK, free_port, new_project, updeck

TEMPLATE = """\
format: 1
id: web-drill
name: Browser drill
phases:
  assess:
    items:
      - id: inventory
        title: Take the inventory
        estimate: 10m
  execute:
    items:
      - id: switch
        title: Switch traffic over
        depends_on: [inventory]
        estimate: 20m
"""




@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, str]:
    return new_project(tmp_path, TEMPLATE, "Browser drill")


@pytest.fixture
def server(project: tuple[Path, str], tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    db, project_id = project
    port = free_port()
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([UPDECK, "--db", str(db), "serve", project_id, "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        assert proc.poll() is None, (tmp_path / "serve.log").read_text()
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/", db, project_id
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def log_length(db: Path, project_id: str) -> int:
    done = updeck(db, "log", project_id, "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    entries = document["events"] if isinstance(document, dict) else document
    return len(entries)


def test_loopback_detection() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.10")


def test_refuses_a_public_address_without_allow_remote(project: tuple[Path, str]) -> None:
    db, project_id = project
    done = updeck(db, "serve", project_id, "--host", "0.0.0.0", "--port", str(free_port()))
    assert done.returncode == 2
    assert "--allow-remote" in done.stderr and "authentication" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed (Debian chromium)")
async def test_browser_shows_the_project_live_and_read_only(
        server: tuple[str, Path, str], tmp_path: Path) -> None:
    url, db, project_id = server
    browser = Browser(chromium_path() or "chromium")
    await browser.start()
    try:
        await browser.goto(url)
        text = await browser.wait_for_text("Take the inventory", timeout=60)
        for word in ("Assess", "Execute", "Monitor"):
            assert word[:3] in text
        await browser.screenshot(tmp_path / "serve.png")
        assert (tmp_path / "serve.png").stat().st_size > 1000

        # Keys that would change the project do nothing in the browser view.
        before = log_length(db, project_id)
        for key in ("d", "s", "x"):
            await browser.call("Input.dispatchKeyEvent", type="keyDown", key=key, text=key)
            await browser.call("Input.dispatchKeyEvent", type="keyUp", key=key)
        time.sleep(1.0)
        assert log_length(db, project_id) == before

        # A change made through the CLI appears in the page within a few seconds.
        done = updeck(db, "--as", "dana", "item", project_id, "inventory", "done")
        assert done.returncode == 0, done.stderr
        await browser.wait_for_text("dana", timeout=20)
        await browser.screenshot(tmp_path / "serve-after.png")
    finally:
        await browser.close()
