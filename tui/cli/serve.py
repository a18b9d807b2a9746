"""``updeck serve``: the dashboard in a browser, read-only, through textual-serve.

Each browser tab gets its own ``updeck --read-only`` process (textual-serve starts one
per websocket). textual-serve has no authentication, so the server listens on loopback
unless ``--allow-remote`` is given; reach it from elsewhere through an SSH tunnel.
"""

from __future__ import annotations

import ipaddress
import shlex
import socket
import sys
from pathlib import Path

NO_AUTH_WARNING = (
    "textual-serve has no authentication: anyone who can reach this address sees the "
    "project. Prefer loopback and an SSH tunnel (ssh -L 8080:127.0.0.1:8080 jumphost)."
)


class ServeError(ValueError):
    """Bad serve options; the message says what to do."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback
                       for info in socket.getaddrinfo(host, None))
        except (OSError, ValueError):
            return False


def dashboard_command(db: Path, project_id: str | None) -> str:
    """The shell command textual-serve runs for every browser session: always read-only."""
    parts = [sys.executable, "-m", "updeck", "--db", str(db)]
    parts += ["open", project_id, "--read-only"] if project_id else ["--read-only"]
    return shlex.join(parts)


def serve(db: Path, project_id: str | None, *, host: str = "127.0.0.1", port: int = 8080,
          allow_remote: bool = False) -> None:
    """Serve until interrupted. Raises :class:`ServeError` for a refused host or port."""
    if not allow_remote and not is_loopback(host):
        raise ServeError(f"refusing to serve on {host}, which is not a loopback address; "
                         "pass --allow-remote to do it anyway. " + NO_AUTH_WARNING)
    if not 0 < port < 65536:
        raise ServeError(f"port {port} is out of range (1-65535)")
    try:
        from textual_serve.server import Server
    except ImportError as exc:
        raise ServeError("the browser view needs textual-serve: "
                         "pip install 'updeck[serve]'") from exc
    title = f"updeck: {project_id}" if project_id else "updeck"
    print(f"updeck: serving the dashboard read-only on http://{host}:{port}/", file=sys.stderr)
    print(f"updeck: {NO_AUTH_WARNING}", file=sys.stderr)
    server = Server(dashboard_command(db, project_id), host=host, port=port, title=title)
    server.serve()
