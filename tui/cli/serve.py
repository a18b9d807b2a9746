"""``updeck serve``: the dashboard in a browser, read-only, through textual-serve.

Each browser session gets its own ``updeck --read-only`` process (textual-serve starts one
per websocket). textual-serve itself has no authentication, so this server adds it:

- a random access token, printed once in the URL; a request without it (or the cookie
  the first page load sets) gets 403 and nothing else;
- the websocket's ``Origin`` must be the page's own host (another web page in the
  operator's browser cannot drive or read the view);
- at most ``max_sessions`` sessions at once (each one is a process);
- ``serve PROJECT`` runs ``open PROJECT --only``: no home screen, no other project.

It listens on loopback unless ``--allow-remote``; reach it from elsewhere through an SSH
tunnel. docs/operations.md has the threat model.
"""

from __future__ import annotations

import ipaddress
import secrets
import shlex
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

NO_TLS_WARNING = (
    "the view is plain HTTP: anyone who can read the traffic can read the token. Prefer "
    "loopback and an SSH tunnel (ssh -L 8080:127.0.0.1:8080 jumphost)."
)
COOKIE = "updeck_token"
DEFAULT_MAX_SESSIONS = 4
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


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


def dashboard_command(db: Path | str, project_id: str | None) -> str:
    """The shell command textual-serve runs for every browser session: always read-only,
    and with a project, that project alone."""
    parts = [sys.executable, "-m", "updeck", "--db", str(db)]
    parts += ["open", project_id, "--read-only", "--only"] if project_id else ["--read-only"]
    return shlex.join(parts)


def _host_name(netloc: str) -> str:
    """``127.0.0.1`` from ``127.0.0.1:8080``, ``::1`` from ``[::1]:8080``."""
    return (urlsplit(f"//{netloc}").hostname or "").lower()


def allowed(headers: Any, query: Any, cookies: Any, *, token: str, served_host: str,
            allow_remote: bool, websocket: bool) -> str | None:
    """None when a request may pass, else why not (pure: headers, query and cookies are
    mappings). The token comes in the query or the cookie; a websocket's Origin must name
    the same host and port as its Host header; without ``allow_remote`` that host must be
    a loopback name or the served host (no DNS rebinding)."""
    given = query.get("token") or cookies.get(COOKIE) or ""
    if not secrets.compare_digest(str(given).encode(), token.encode()):
        return "no valid access token"
    host = headers.get("Host", "")
    if not allow_remote and _host_name(host) not in (*LOOPBACK_NAMES, served_host.lower()):
        return f"Host {host!r} is not the served host"
    if websocket:
        origin = headers.get("Origin")
        if not origin:
            return "a websocket without an Origin"
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != host.lower():
            return f"a websocket from another origin ({origin})"
    return None


def make_server(command: str, *, host: str, port: int, title: str, token: str,
                allow_remote: bool, max_sessions: int) -> Any:
    """A textual-serve Server with the token, Origin and session checks in front."""
    from aiohttp import web
    from textual_serve.server import Server

    class GuardedServer(Server):
        sessions = 0

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(self._guard)
            return app

        @web.middleware
        async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
            websocket = request.path == "/ws"
            why = allowed(request.headers, request.query, request.cookies, token=token,
                          served_host=host, allow_remote=allow_remote, websocket=websocket)
            if why is not None:
                return web.Response(status=403, text=f"updeck: refused: {why}\n")
            if websocket and self.sessions >= max_sessions:
                return web.Response(status=503, text=(
                    f"updeck: refused: {max_sessions} sessions are open already "
                    "(--max-sessions); close one first\n"))
            if websocket:
                self.sessions += 1
                try:
                    result: web.StreamResponse = await handler(request)
                    return result
                finally:
                    self.sessions -= 1
            response: web.StreamResponse = await handler(request)
            if request.query.get("token"):
                response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/")
            return response

    return GuardedServer(command, host=host, port=port, title=title)


def serve(db: Path | str, project_id: str | None, *, host: str = "127.0.0.1", port: int = 8080,
          allow_remote: bool = False, max_sessions: int = DEFAULT_MAX_SESSIONS) -> None:
    """Serve until interrupted. Raises :class:`ServeError` for a refused host or port."""
    if not allow_remote and not is_loopback(host):
        raise ServeError(f"refusing to serve on {host}, which is not a loopback address; "
                         "pass --allow-remote to do it anyway. " + NO_TLS_WARNING)
    if not 0 < port < 65536:
        raise ServeError(f"port {port} is out of range (1-65535)")
    if not 1 <= max_sessions <= 64:
        raise ServeError(f"--max-sessions {max_sessions} is out of range (1-64)")
    try:
        import textual_serve.server  # noqa: F401
    except ImportError as exc:
        raise ServeError("the browser view needs textual-serve: "
                         "pip install 'updeck[serve]'") from exc
    token = secrets.token_urlsafe(24)
    title = f"updeck: {project_id}" if project_id else "updeck"
    shown = f"[{host}]" if ":" in host else host
    print(f"updeck: serving the dashboard read-only at http://{shown}:{port}/?token={token}",
          file=sys.stderr, flush=True)
    print(f"updeck: open that URL; without the token nothing is served. {NO_TLS_WARNING}",
          file=sys.stderr, flush=True)
    server = make_server(dashboard_command(db, project_id), host=host, port=port, title=title,
                         token=token, allow_remote=allow_remote, max_sessions=max_sessions)
    server.serve()
