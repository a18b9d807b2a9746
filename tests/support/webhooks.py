"""A real HTTP server on loopback that receives webhooks, for the notification tests and
the bench: it records every request (path, headers, JSON body) and dedupes by the
``Idempotency-Key`` header the way a careful receiver does. It can be 'down' (503 to
every request) and can hold the answer to the Nth request until released (so a sender
can be killed in the middle of a delivery)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    key: str
    body: Any
    at: float


@dataclass
class Receiver:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    effects: dict[str, int] = field(default_factory=dict)  # key -> times acted upon (deduped)
    down: bool = False
    hold_at: int = 0  # hold the answer to this request number (1-based); 0: never
    held: threading.Event = field(default_factory=threading.Event)  # the held request came
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def keys(self) -> list[str]:
        return [r.key for r in self.requests]

    def unique_keys(self) -> list[str]:
        return list(dict.fromkeys(self.keys()))

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        """Until ``count`` distinct keys arrived (a deadline, not a sleep)."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.effects) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.arrived.wait(left)
        return True


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            if receiver.down:
                self.send_response(503)
                self.end_headers()
                return
            key = self.headers.get("Idempotency-Key", "")
            with receiver.arrived:
                receiver.requests.append(Received(self.path, key, json.loads(raw), time.time()))
                number = len(receiver.requests)
                if key not in receiver.effects:
                    receiver.effects[key] = 0
                    receiver.effects[key] += 1  # the effect happens once per key
                receiver.arrived.notify_all()
            if number == receiver.hold_at:
                receiver.held.set()
                receiver.release.wait(60)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    return Handler


@contextmanager
def receiver() -> Iterator[Receiver]:
    got = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(got))
    server.daemon_threads = True
    got.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        got.release.set()
        server.shutdown()
        server.server_close()
