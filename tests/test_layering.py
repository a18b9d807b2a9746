"""Imports only go down: ``models`` imports no Textual, TinyDB or YAML; ``storage`` no Textual.

Each check runs in a fresh interpreter, so what the test process itself imported does
not count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
names = [package.__name__]
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(info.name)
    names.append(info.name)
loaded = sorted({m.split(".")[0] for m in sys.modules})
print(json.dumps({"imported": names, "loaded": loaded}))
"""


def probe(package: str) -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", _PROBE, package], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def test_models_imports_no_textual_tinydb_or_yaml() -> None:
    result = probe("models")
    assert "models.engine" in result["imported"] and "models.schedule" in result["imported"]
    assert "models.rollups" in result["imported"]
    for forbidden in ("textual", "tinydb", "yaml"):
        assert forbidden not in result["loaded"], f"models pulls in {forbidden}"


def test_models_imports_nothing_but_the_standard_library() -> None:
    result = probe("models")
    third_party = [name for name in result["loaded"]
                   if name not in sys.stdlib_module_names and name not in ("models", "__main__")
                   and not name.startswith("_")]
    assert third_party == []


def test_storage_imports_no_textual() -> None:
    if not (ROOT / "storage" / "__init__.py").exists():  # pragma: no cover
        pytest.skip("no storage package")
    result = probe("storage")
    assert "textual" not in result["loaded"]
    assert "tui" not in result["loaded"]
