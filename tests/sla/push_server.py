"""A push service on loopback (RFC 8030's "push message" POST), keeping what it received.

Not a mock object: Loket's push task posts real HTTP to 127.0.0.1 through the guarded client.
Each subscription is a path ``/push/<name>``; a path in ``gone`` answers 410 like a push
service that forgot the subscription, anything else 201 Created.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class PushService:
    url: str
    received: list[Received] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: PushService


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        state = self.server.state
        state.received.append(
            Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        self.send_response(410 if self.path in state.gone else 201)
        self.send_header("Content-Length", "0")
        self.end_headers()


@contextmanager
def push_service() -> Iterator[PushService]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = PushService(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.state
    finally:
        server.shutdown()
        server.server_close()
