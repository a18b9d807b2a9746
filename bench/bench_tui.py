"""Dashboard benchmark: prints numbers (median and p95 next to each target), no pass/fail.

    .venv/bin/python bench/bench_tui.py [--items 2000] [--events 50000] [--runs 7] [--keys 60]

A project of ``--items`` items and ``--events`` log events (made by the engine, written
with ``Repository.import_log``) is opened by the real ``updeck`` program in a
pseudo-terminal (80x24, TERM=xterm-256color):

* process start to first full screen: from spawning ``updeck open P`` until the loaded
  checklist (its "N/M done" line), the header's forecast line and the phase bar have all
  been written to the terminal; the same for an empty Textual app (header, one Static,
  footer) as the reference floor, and for ``updeck demo`` (a fresh demo project each run,
  and the demo already made), all side by side in one run, each run in turn;
* the children run with bytecode caches as an installed program has them
  (``PYTHONDONTWRITEBYTECODE`` is dropped and one unmeasured warm-up run of each comes
  first), so no run pays for compiling updeck's sources;
* memory: the resident set of that process once the screen is full;
* key press to screen updated and persisted: in-process (``App.run_test``), ``s`` / ``r``
  on one item, from the key until the new state is on disk, applied and repainted;
* the once-a-second clock tick (schedule + phase roll-ups over every item).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_storage import PID, build_events  # noqa: E402
from updeck.storage.repository import Repository  # noqa: E402

ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\x07]*\x07")
EMPTY_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static
class Empty(App):
    def compose(self):
        yield Header()
        yield Static("EMPTY-APP-READY")
        yield Footer()
Empty().run()
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def line(label: str, values: list[float], target: str = "", unit: str = "ms") -> None:
    med, p95 = statistics.median(values), pct(values, 95)
    print(f"  {label:<46} median {med:7.1f} {unit:<3} p95 {p95:7.1f} {unit:<3} "
          f"(n={len(values)}){'   target ' + target if target else ''}", flush=True)


def spawn_until(argv: list[str], marker: bytes | tuple[bytes, ...], env: dict[str, str],
                timeout: float = 30.0, settle_for: float = 0.0) -> tuple[float, float]:
    """Seconds from spawn until ``marker`` (every one of them) is on the terminal, and the
    RSS (MiB) ``settle_for`` seconds later."""
    markers = marker if isinstance(marker, tuple) else (marker,)
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execve(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    seen = b""
    elapsed = float("nan")
    rss = float("nan")
    try:
        deadline = t0 + timeout
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            shown = ESCAPES.sub(b"", seen[-200_000:])
            if all(m in shown for m in markers):
                elapsed = time.perf_counter() - t0
                # Memory once the whole log was read too (it follows the first screen).
                settle = time.perf_counter() + settle_for
                while time.perf_counter() < settle:
                    if select.select([fd], [], [], 0.05)[0]:
                        try:
                            os.read(fd, 65536)
                        except OSError:
                            break
                try:
                    pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
                    rss = pages * os.sysconf("SC_PAGE_SIZE") / 2**20
                except OSError:
                    pass
                break
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        end = time.perf_counter() + 3
        while time.perf_counter() < end:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            try:
                select.select([fd], [], [], 0.05)
                os.read(fd, 65536)
            except OSError:
                pass
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    return elapsed, rss


async def key_latency(data: Path, keys: int) -> tuple[dict[str, list[float]], list[float]]:
    """Keys go in as the terminal driver sends them (a Key event posted to the app); the
    time runs until the change is on disk, applied, and the next frame was composed."""
    from updeck.models.events import Operator
    from updeck.tui.dashboard.app import UpdeckApp
    from updeck.tui.dashboard.view import project_view
    from updeck.tui.dashboard.widgets.checklist import Checklist

    app = UpdeckApp(Repository(data), project_id=PID, operator=Operator("bench", "host"),
                    poll_interval=0.5)
    frames: list[float] = []
    display = app._display

    def counting_display(screen: object, renderable: object) -> None:
        if renderable is not None:
            frames.append(time.perf_counter())
        display(screen, renderable)  # type: ignore[arg-type]

    app._display = counting_display  # type: ignore[method-assign]
    latencies: dict[str, list[float]] = {"s": [], "d": [], "enter": []}
    ticks: list[float] = []

    from textual import events
    from textual.widgets import Input

    def press(key: str) -> None:  # what the terminal driver posts for a key
        app.post_message(events.Key(key, key if len(key) == 1 else None))

    async def until(condition: object, timeout: float = 10.0) -> None:
        deadline = time.perf_counter() + timeout
        while not condition():  # type: ignore[operator]
            if time.perf_counter() > deadline:
                raise TimeoutError("the dashboard did not answer")
            await asyncio.sleep(0.0002)

    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: PID in app.live and app.live[PID].complete, 30.0)
        await pilot.pause(0.3)
        checklist = app.screen.query_one(Checklist)
        item = checklist.current
        assert item is not None
        repo = app.repo
        for _ in range(keys):
            status = app.live[PID].state.items[item].status.value
            if status in ("todo", "failed"):
                key, want = "s", "in_progress"
            elif status == "in_progress":
                key, want = "d", "done"
            else:  # reopen asks for a reason: type it, time the final enter
                press("r")
                await until(lambda: app.modal_open and isinstance(app.focused, Input))
                for ch in "again":
                    press(ch)
                await pilot.pause(0.05)
                key, want = "enter", "todo"
            seq = app.live[PID].seq
            t0 = time.perf_counter()
            press(key)
            await until(lambda seq=seq: app.live[PID].seq != seq)
            applied = time.perf_counter()
            await until(lambda applied=applied: bool(frames) and frames[-1] >= applied)
            latencies[key].append((frames[-1] - t0) * 1000)
            assert app.live[PID].state.items[item].status.value == want
            assert repo.load(PID).items[item].status.value == want  # persisted
            await pilot.pause(0.02)
        state = app.live[PID].state
        for _ in range(20):
            t0 = time.perf_counter()
            project_view(state, app.now())
            ticks.append((time.perf_counter() - t0) * 1000)
    return latencies, ticks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keys", type=int, default=60)
    parser.add_argument("--first-only", action="store_true",
                        help="only the first-screen runs (no key latency)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="updeck-bench-tui-"))
    data = tmp / "data"
    print(f"updeck dashboard bench: {args.items} items, {args.events} events, in {tmp} "
          f"(python {sys.version.split()[0]}, {os.cpu_count()} cpus)", flush=True)
    t0 = time.perf_counter()
    Repository(data).import_log(build_events(args.items, args.events))
    print(f"  built in {time.perf_counter() - t0:.1f} s", flush=True)

    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TEXTUAL") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", UPDECK_OPERATOR="bench",
               XDG_DATA_HOME=str(tmp / "xdg-data"), XDG_CONFIG_HOME=str(tmp / "xdg-config"))
    updeck = str(Path(sys.executable).parent / "updeck")
    python = sys.executable
    screen = (b" done \xc2\xb7 ", b"fcst ", b"1 Assess")  # checklist, header, phase bar
    empty, full, rss, demo, again = [], [], [], [], []
    for run in range(-1, args.runs):  # run -1: the unmeasured warm-up
        seconds, _ = spawn_until([python, "-c", EMPTY_APP], b"EMPTY-APP-READY", env)
        empty.append(seconds * 1000)
        seconds, _ = spawn_until([updeck, "demo", "--db", str(tmp / f"demo{run}")], screen, env)
        demo.append(seconds * 1000)
        seconds, _ = spawn_until([updeck, "demo", "--db", str(tmp / "demo-1")], screen, env)
        again.append(seconds * 1000)
        seconds, mib = spawn_until([updeck, "--db", str(data), "open", PID], screen,
                                   env, settle_for=2.5)
        full.append(seconds * 1000)
        rss.append(mib)
        if run == -1:
            empty, full, rss, demo, again = [], [], [], [], []
    print("process start to first full screen (pty 80x24):")
    line("empty Textual app (reference)", empty)
    line(f"updeck open ({args.events} events)", full, "< 1000 ms")
    line("memory (RSS), project and whole log loaded", rss, "< 200 MiB", unit="MiB")
    line("updeck demo (a fresh demo project each run)", demo)
    line("updeck demo (the demo project already made)", again)
    for label, values, target in (("demo, fresh", demo, 1.7), ("demo, made", again, 1.7),
                                  (f"open {args.items} items / {args.events} events", full, 2.0)):
        print(f"  ratio to the empty app, {label}: median "
              f"{statistics.median(values) / statistics.median(empty):.2f}x, p95 "
              f"{pct(values, 95) / pct(empty, 95):.2f}x (target <= {target}x)", flush=True)
    if args.first_only:
        shutil.rmtree(tmp, ignore_errors=True)
        return

    latencies, ticks = asyncio.run(key_latency(data, args.keys))
    print("in the running app (in-process, Key events as the driver posts them):")
    line("key press to screen updated and persisted", [v for vs in latencies.values() for v in vs],
         "< 100 ms")
    line("  of which s (start) and d (done)", latencies["s"] + latencies["d"])
    line("  of which enter in the reopen reason dialog", latencies["enter"])
    line("clock tick: schedule + roll-ups, all items", ticks)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
