"""Who is acting: ``--as`` / ``UPDECK_OPERATOR``, else the login; and who really is (the
login of the process, ``SUDO_USER`` under sudo), recorded beside it."""

from __future__ import annotations

import getpass
import os
import pwd
import socket
from collections.abc import Mapping

from updeck.models.events import Operator


def current_operator(as_name: str | None = None, env: Mapping[str, str] | None = None) -> Operator:
    env = os.environ if env is None else env
    login = real_login(env)
    user = (as_name or env.get("UPDECK_OPERATOR") or login).strip()
    check_operator_name(user)
    ssh = env.get("SSH_CONNECTION", "").split()
    return Operator(user=user or "unknown", host=socket.gethostname(),
                    ssh_client=ssh[0] if ssh else "", login=login)


def real_login(env: Mapping[str, str]) -> str:
    """The real user of the process: ``SUDO_USER`` when root runs through sudo, else the
    account of the real uid. Variables such as USER or LOGNAME do not count."""
    if not hasattr(os, "getuid"):  # pragma: no cover - not a Unix host
        return _login()
    uid = os.getuid()
    sudo_user = env.get("SUDO_USER", "").strip()
    if uid == 0 and sudo_user:
        return sudo_user
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # no passwd entry, e.g. in a bare container
        return str(uid)


MAX_NAME = 64


def check_operator_name(name: str) -> None:
    """An operator name goes in every log line: printable, single spaces only, at most
    64 characters. Raises ValueError (exit 2) naming what to change."""
    if len(name) > MAX_NAME:
        raise ValueError(f"the operator name is {len(name)} characters long; at most "
                         f"{MAX_NAME} are allowed (--as or UPDECK_OPERATOR)")
    if not all(c.isprintable() for c in name) or "  " in name or name != name.strip():
        shown = name.encode("unicode_escape").decode("ascii")
        raise ValueError(f"the operator name {shown!r} holds control characters, tabs, line "
                         "breaks or double spaces; use printable characters and single "
                         "spaces (--as or UPDECK_OPERATOR)")


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no passwd entry, e.g. in a bare container
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"
