#!/usr/bin/env python3
"""Set-up and everyday tasks, with nothing but Python 3.11 on the machine.

    python3 dev.py demo     install into .venv and open the dashboard on the demo project
    python3 dev.py test     install into .venv (with test extras) and run the test suite
    python3 dev.py check    ruff and mypy
    python3 dev.py bench    every benchmark in bench/ (prints median and p95)

Extra arguments after the task go to the program (``python3 dev.py test -k cli``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("UPDECK_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit(f"updeck needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'app'}"
    pyproject = ROOT / "pyproject.toml"
    if stamp.exists() and stamp.stat().st_mtime >= pyproject.stat().st_mtime:
        return
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    print(f"installing updeck{'[' + extras + ']' if extras else ''} into {VENV}", flush=True)
    run([str(PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target])
    stamp.touch()


def mypy_env() -> dict[str, str]:
    """The repository's folders laid out as the installed package (``updeck.models`` is
    ``models/``...), as symlinks under .mypy_src/, so mypy sees the installed names."""
    pkg = ROOT / ".mypy_src" / "updeck"
    pkg.mkdir(parents=True, exist_ok=True)
    for name, target in (("__init__.py", "updeck/__init__.py"), ("__main__.py", "updeck/__main__.py"),
                         ("models", "models"), ("storage", "storage"), ("tui", "tui"),
                         ("sample_plans", "sample_plans")):
        link = pkg / name
        if not link.is_symlink():
            link.symlink_to(ROOT / target)
    return {**os.environ, "MYPYPATH": str(pkg.parent)}


def run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    if code:
        sys.exit(code)


def main(argv: list[str]) -> None:
    task, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if task == "demo":
        ensure_venv("")
        os.execv(str(BIN / "updeck"), [str(BIN / "updeck"), "demo", *rest])
    elif task == "test":
        ensure_venv("test")
        # Two workers per core: the suite waits on real terminals, processes and timers more
        # than it computes (on 2 cores: 4 workers, ~2 min instead of ~3.5 with 2). Work is
        # stolen by idle workers so one slow file does not hold the end. -n 0: one process.
        workers = [] if any(a == "-n" or a.startswith("-n") for a in rest) else [
            "-n", str(2 * (os.cpu_count() or 1)), "--dist", "worksteal"]
        run([str(PY), "-m", "pytest", *workers, *rest])
    elif task == "check":
        ensure_venv("test")
        run([str(PY), "-m", "ruff", "check", "."])
        run([str(PY), "-m", "mypy", "-p", "updeck"], env=mypy_env())
    elif task == "bench":
        ensure_venv("test")
        for script in sorted((ROOT / "bench").glob("bench_*.py")):
            print(f"\n== {script.name}", flush=True)
            run([str(PY), str(script), *rest])
    else:
        print(__doc__)
        sys.exit(0 if task in ("help", "-h", "--help") else 2)


if __name__ == "__main__":
    main(sys.argv[1:])
