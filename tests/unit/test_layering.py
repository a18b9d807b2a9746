"""The package's shape: one ``updeck`` namespace, imports only go down, no cycles.

``models`` imports nothing but the standard library; ``storage`` no Textual and no face;
the command line and the dashboard never import each other (shared work is in
``updeck.tui.common``); no module imports another that imports it back, directly or not.
Import checks run in a fresh interpreter outside the repository, so neither the test
process nor the current folder counts.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIRS = {"updeck": ROOT / "updeck", "updeck.models": ROOT / "models",
                "updeck.storage": ROOT / "storage", "updeck.tui": ROOT / "tui",
                "updeck.sample_plans": ROOT / "sample_plans"}

_PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
names = [package.__name__]
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(info.name)
    names.append(info.name)
print(json.dumps({"imported": names, "loaded": sorted(sys.modules)}))
"""


def probe(package: str, cwd: Path) -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", _PROBE, package], cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def top_level(names: list[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def test_models_imports_nothing_but_the_standard_library(tmp_path: Path) -> None:
    result = probe("updeck.models", tmp_path)
    assert {"updeck.models.engine", "updeck.models.schedule", "updeck.models.rollups"} <= set(
        result["imported"])
    third_party = [name for name in top_level(result["loaded"])
                   if name not in sys.stdlib_module_names and name not in ("updeck", "__main__")
                   and not name.startswith("_")]
    assert third_party == []
    assert not [m for m in result["loaded"] if m.startswith(("updeck.storage", "updeck.tui"))]


def test_storage_imports_no_textual_and_no_face(tmp_path: Path) -> None:
    result = probe("updeck.storage", tmp_path)
    assert "textual" not in top_level(result["loaded"])
    assert not [m for m in result["loaded"] if m.startswith("updeck.tui")]


def test_the_command_line_does_not_load_the_dashboard(tmp_path: Path) -> None:
    result = probe("updeck.tui.cli", tmp_path)
    assert "updeck.tui.cli.cmd_records" in result["imported"]
    assert not [m for m in result["loaded"] if m.startswith("updeck.tui.dashboard")]
    assert "textual" not in top_level(result["loaded"])


def test_top_level_names_outside_the_repository(tmp_path: Path) -> None:
    """Installed, only ``updeck`` exists: ``import models`` fails outside a checkout."""
    done = subprocess.run([sys.executable, "-c", "import models"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0 and "No module named 'models'" in done.stderr
    version = subprocess.run([sys.executable, "-m", "updeck", "--version"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
    assert version.returncode == 0
    from updeck import __version__

    assert version.stdout.strip() == f"updeck {__version__}"


# --- the import graph, read from the source --------------------------------------------

def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package, folder in PACKAGE_DIRS.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every updeck module ``name`` imports, at module level or inside functions (a lazy
    import is still a dependency), except under ``if TYPE_CHECKING``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                found.add(target)
    return found


def test_no_import_cycles() -> None:
    mods = modules()
    graph = {name: imports_of(name, path, set(mods)) for name, path in mods.items()}
    assert "updeck.models.engine" in graph["updeck.models.schedule"]  # the reading works
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_faces_do_not_import_each_other() -> None:
    mods = modules()
    layer_rules = {  # a module under the key may not import one under any of the values
        "updeck.models": ("updeck.storage", "updeck.tui"),
        "updeck.storage": ("updeck.tui",),
        "updeck.tui.common": ("updeck.tui.cli", "updeck.tui.dashboard"),
        "updeck.tui.dashboard": ("updeck.tui.cli",),
        "updeck.tui.cli": ("updeck.tui.dashboard",),
    }
    allowed = {("updeck.tui.cli.cmd_dashboard", "updeck.tui.dashboard.app")}  # opens the screen
    wrong = []
    for name, path in mods.items():
        for target in imports_of(name, path, set(mods)):
            for layer, forbidden in layer_rules.items():
                if name.startswith(layer) and target.startswith(forbidden) and (name, target) not in allowed:
                    wrong.append(f"{name} -> {target}")
    assert wrong == []


@pytest.mark.slow
def test_the_wheel_installs_one_namespace(tmp_path: Path) -> None:
    """The built wheel holds ``updeck/...`` and its metadata, nothing else at the top."""
    done = subprocess.run(
        [sys.executable, "-c",
         "import sys, setuptools.build_meta as b; print(b.build_wheel(sys.argv[1]))", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 and "No module named 'setuptools'" in done.stderr:
        pytest.skip("setuptools is not installed in this environment")
    assert done.returncode == 0, done.stderr[-2000:]
    wheel = tmp_path / done.stdout.strip().splitlines()[-1]
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"updeck"}
    for expected in ("updeck/models/engine.py", "updeck/storage/repository.py",
                     "updeck/tui/cli/main.py", "updeck/tui/dashboard/updeck.tcss",
                     "updeck/sample_plans/crm-upgrade.yaml", "updeck/__main__.py"):
        assert expected in names
