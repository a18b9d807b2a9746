"""Every path updeck uses, resolved in one place (and patched in one place by tests)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from platformdirs import user_config_path, user_data_path

APP = "updeck"
SYSTEM_TEMPLATES = Path("/etc/updeck/templates")
SHIPPED_TEMPLATES = Path(__file__).resolve().parent.parent / "sample_plans"


def data_dir(override: str | os.PathLike[str] | None = None,
             env: Mapping[str, str] | None = None) -> Path:
    """The data folder: ``--db``, else ``UPDECK_DB``, else the platform's user data dir."""
    env = os.environ if env is None else env
    chosen = override or env.get("UPDECK_DB")
    if chosen:
        return Path(chosen).expanduser()
    return user_data_path(APP, appauthor=False)


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("UPDECK_CONFIG_DIR"):
        return Path(env["UPDECK_CONFIG_DIR"]).expanduser()
    return user_config_path(APP, appauthor=False)


def demo_dir() -> Path:
    """The demo's own data folder, kept apart from real projects."""
    return user_data_path(APP, appauthor=False) / "demo"


def template_search_path(env: Mapping[str, str] | None = None) -> list[Path]:
    """Template folders, first match by id wins (template-format.md)."""
    env = os.environ if env is None else env
    folders = [Path(p).expanduser() for p in env.get("UPDECK_TEMPLATE_PATH", "").split(os.pathsep)
               if p.strip()]
    folders += [config_dir(env) / "templates", SYSTEM_TEMPLATES, SHIPPED_TEMPLATES]
    return folders
