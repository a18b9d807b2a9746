"""Delivering one notification to one target: a webhook (urllib POST), a command (the
document as JSON on stdin, own process group, killed at its timeout) or a file (a JSON
line appended). Secrets (``${ENV}``, ``file:/path``) are resolved here, at send time, and
scrubbed from every error text; they are never written anywhere.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from updeck.models.notify_match import Notification
from updeck.models.notify_payload import webhook_body
from updeck.models.notify_rules import ENV_REF, NotifyTarget, target_from_dict
from updeck.storage.safe_files import read_regular

from updeck import __version__

SECRET_FILE_LIMIT = 64 * 1024
_RETRY_HTTP = frozenset({408, 425, 429})


class SecretMissing(Exception):
    """A secret reference that cannot be resolved here (variable unset, file unusable)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    error: str = ""
    permanent: bool = False  # retrying cannot help (a 4xx answer)


def resolve_secret(value: str, data_dir: Path | None, env: dict[str, str] | None = None) -> str:
    """The text behind ``${NAME}`` references or ``file:/path`` (a file outside the data
    folder, read whole, stripped). :class:`SecretMissing` says what is wrong."""
    environ = os.environ if env is None else env
    if value.startswith("file:"):
        path = Path(value[len("file:"):])
        real = Path(os.path.realpath(path))
        if data_dir is not None:
            shared = Path(os.path.realpath(data_dir))
            if real == shared or shared in real.parents:
                raise SecretMissing(f"{value}: the secret file is inside the shared data folder; "
                                    "keep it outside")
        try:
            return read_regular(real, limit=SECRET_FILE_LIMIT).decode().strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise SecretMissing(f"{value}: cannot read the secret file ({type(exc).__name__})") from None

    def one(match: Any) -> str:
        name = match.group(1)
        if name not in environ or not environ[name]:
            raise SecretMissing(f"${{{name}}} is not set in the sender's environment")
        return environ[name]

    return ENV_REF.sub(one, value)


def _scrub(text: str, secret: str) -> str:
    if secret:
        text = text.replace(secret, "…")
    return text[:500]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is an answer (an error), never followed with the body


_OPENER = urllib.request.build_opener(_NoRedirect)


def post_webhook(url: str, body: bytes, key: str, timeout: float) -> Outcome:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "Idempotency-Key": key, "X-Updeck-Key": key,
        "User-Agent": f"updeck/{__version__}"})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(65536)
            return Outcome(True)
    except urllib.error.HTTPError as exc:
        permanent = 400 <= exc.code < 500 and exc.code not in _RETRY_HTTP
        return Outcome(False, _scrub(f"HTTP {exc.code} {exc.reason}", url), permanent)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Outcome(False, _scrub(f"{type(exc).__name__}: {reason}", url))


def run_command(command: str, payload: bytes, key: str, timeout: float) -> Outcome:
    """``sh -c COMMAND`` with the document on stdin, in its own process group; the whole
    group is killed at the timeout."""
    env = dict(os.environ, UPDECK_NOTIFY_KEY=key)
    try:
        proc = subprocess.Popen(["/bin/sh", "-c", command], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True, env=env)
    except OSError as exc:
        return Outcome(False, f"cannot run the command: {exc.strerror}")
    try:
        _, err = proc.communicate(payload, timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.communicate(timeout=5)
        return Outcome(False, f"timed out after {timeout:g}s (killed)")
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # nothing it started outlives it
    if proc.returncode == 0:
        return Outcome(True)
    tail = err.decode(errors="replace").strip().splitlines()[-1:] if err else []
    return Outcome(False, f"exit {proc.returncode}" + (f": {tail[0][:300]}" if tail else ""))


def append_line(path: str, payload: bytes) -> Outcome:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
                     | getattr(os, "O_CLOEXEC", 0), 0o640)
    except OSError as exc:
        return Outcome(False, f"cannot open {path}: {exc.strerror}")
    try:
        os.write(fd, payload + b"\n")
        os.fsync(fd)
    except OSError as exc:
        return Outcome(False, f"cannot write {path}: {exc.strerror}")
    finally:
        os.close(fd)
    return Outcome(True)


def deliver(note: Notification, data_dir: Path | None, *, commands: bool = True) -> Outcome:
    """Send one notification to its target."""
    target: NotifyTarget = target_from_dict(note.target)
    document = note.document
    if target.kind == "webhook":
        try:
            url = resolve_secret(target.value, data_dir)
        except SecretMissing as exc:
            return Outcome(False, str(exc))
        body = json.dumps(webhook_body(document, target.shape), ensure_ascii=True).encode()
        return post_webhook(url, body, note.key, target.seconds)
    payload = json.dumps(document, ensure_ascii=True, sort_keys=True).encode()
    if target.kind == "command":
        if not commands:
            return Outcome(False, "command targets run only in 'updeck notify run --allow-commands'")
        return run_command(target.value, payload, note.key, target.seconds)
    if target.kind == "file":
        return append_line(target.value, payload)
    return Outcome(False, f"unknown target kind {target.kind!r}", permanent=True)
