"""Who is acting: ``--as`` / ``UPDECK_OPERATOR``, else ``SUDO_USER``, else the login user."""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Mapping

from updeck.models.events import Operator


def current_operator(as_name: str | None = None, env: Mapping[str, str] | None = None) -> Operator:
    env = os.environ if env is None else env
    user = (as_name or env.get("UPDECK_OPERATOR") or env.get("SUDO_USER") or _login()).strip()
    ssh = env.get("SSH_CONNECTION", "").split()
    return Operator(user=user or "unknown", host=socket.gethostname(),
                    ssh_client=ssh[0] if ssh else "")


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no passwd entry, e.g. in a bare container
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"
