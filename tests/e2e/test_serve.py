"""``updeck serve``: the read-only browser view, in a real headless Chromium."""

from __future__ import annotations

import json
import re
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


def start_server(db: Path, project_id: str, tmp_path: Path,
                 *extra: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    """A running ``updeck serve`` and the URL it printed (with its access token)."""
    port = free_port()
    log_path = tmp_path / f"serve-{port}.log"
    log = open(log_path, "wb")  # noqa: SIM115
    proc = subprocess.Popen([UPDECK, "--db", str(db), "serve", project_id, "--port", str(port),
                             *extra], stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 20
    url = ""
    while time.monotonic() < deadline:
        found = re.search(r"(http://127\.0\.0\.1:\d+/\?token=[\w-]+)", log_path.read_text())
        if found:
            url = found.group(1)
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
        assert proc.poll() is None, log_path.read_text()
        time.sleep(0.1)
    assert url, log_path.read_text()
    return proc, url, log_path


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def server(project: tuple[Path, str], tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    db, project_id = project
    proc, url, _ = start_server(db, project_id, tmp_path)
    yield url, db, project_id
    stop(proc)


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
    assert "--allow-remote" in done.stderr and "SSH tunnel" in done.stderr
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


# --- issue 13: a token, the Origin, a session cap, one project ---------------------------

def test_requests_are_checked_for_token_host_and_origin() -> None:
    from updeck.tui.cli.serve import allowed

    def check(query: dict[str, str], cookies: dict[str, str], headers: dict[str, str],
              websocket: bool = False, remote: bool = False) -> str | None:
        return allowed(headers, query, cookies, token="s3cret", served_host="127.0.0.1",
                       allow_remote=remote, websocket=websocket)

    host = {"Host": "127.0.0.1:8080"}
    assert check({}, {}, host) == "no valid access token"
    assert check({"token": "wrong"}, {}, host) == "no valid access token"
    assert check({"token": "s3cret"}, {}, host) is None
    assert check({}, {"updeck_token": "s3cret"}, host) is None
    # DNS rebinding: the browser thinks it talks to evil.example.
    assert check({"token": "s3cret"}, {}, {"Host": "evil.example:8080"}) is not None
    assert check({"token": "s3cret"}, {}, {"Host": "evil.example:8080"}, remote=True) is None
    ws = {**host, "Origin": "http://127.0.0.1:8080"}
    assert check({}, {"updeck_token": "s3cret"}, ws, websocket=True) is None
    for origin in ("https://evil.example", "http://127.0.0.1:9999", "null", ""):
        why = check({}, {"updeck_token": "s3cret"}, {**host, "Origin": origin}, websocket=True)
        assert why is not None and "rigin" in why


def test_serve_project_runs_that_project_alone() -> None:
    from updeck.tui.cli.serve import dashboard_command

    assert dashboard_command(Path("/d"), "crm").endswith("open crm --read-only --only")
    assert dashboard_command(Path("/d"), None).endswith("--read-only")


@pytest.mark.slow
async def test_without_the_token_nothing_is_served_and_sessions_are_capped(
        project: tuple[Path, str], tmp_path: Path) -> None:
    import aiohttp

    db, project_id = project
    proc, url, _ = start_server(db, project_id, tmp_path, "--max-sessions", "1")
    base = url.split("?")[0]
    ws_url = base.replace("http:", "ws:") + "ws"
    origin = base.rstrip("/")
    try:
        async with aiohttp.ClientSession() as plain:
            for path in ("", "?token=nope", "static/js/textual.js", "ws"):
                async with plain.get(base + path) as response:
                    assert response.status == 403, path
                    assert "Take the inventory" not in await response.text()
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await plain.ws_connect(ws_url, headers={"Origin": origin})
            assert refused.value.status == 403
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            async with session.get(url) as response:
                assert response.status == 200
            # The cookie from the first page lets the page's own websocket in...
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(ws_url, headers={"Origin": "https://evil.example"})
            assert refused.value.status == 403
            first = await session.ws_connect(ws_url, headers={"Origin": origin})
            try:
                # ...but only --max-sessions of them at once.
                with pytest.raises(aiohttp.WSServerHandshakeError) as full:
                    await session.ws_connect(ws_url, headers={"Origin": origin})
                assert full.value.status == 503
            finally:
                await first.close()
    finally:
        stop(proc)
