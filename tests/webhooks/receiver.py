"""A webhook receiver on 127.0.0.1, as a customer would run one: it checks the signature with
its own HMAC code (not Loket's), records every request, and answers what the test scripted
(a status per request, optionally after a delay, or holding the request until released)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    status: int = 200
    body: bytes = b'{"ok": true}'
    delay: float = 0.0
    hold: bool = False  # keep the request open until ``release`` (or the server stops)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    @property
    def delivery_id(self) -> str:
        return self.headers.get("x-loket-delivery", "")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, secret: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.secret = secret
        self.script: list[Answer] = []
        self.default = Answer()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.release = threading.Event()
        self.stopping = threading.Event()


def check_signature(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
    return fresh and hmac.compare_digest("sha256=" + expected.hexdigest(), signature)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        ok = check_signature(
            self.server.secret,
            headers.get("x-loket-timestamp", ""),
            body,
            headers.get("x-loket-signature", ""),
        )
        with self.server.arrived:
            self.server.received.append(Received(headers, body, ok))
            answer = self.server.script.pop(0) if self.server.script else self.server.default
            self.server.arrived.notify_all()
        if answer.hold:
            self.server.release.wait(120)
            if self.server.stopping.is_set():
                return
        if answer.delay:
            self.server.stopping.wait(answer.delay)
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except OSError:
            pass  # the sender gave up (timeout) or died


@dataclass
class Receiver:
    server: _Server
    url: str
    secret: str
    thread: threading.Thread = field(repr=False)

    @property
    def received(self) -> list[Received]:
        with self.server.lock:
            return list(self.server.received)

    def answer(self, *answers: Answer) -> None:
        with self.server.lock:
            self.server.script.extend(answers)

    def always(self, answer: Answer) -> None:
        with self.server.lock:
            self.server.default = answer

    def wait_for(self, n: int, timeout: float = 60) -> list[Received]:
        with self.server.arrived:
            if not self.server.arrived.wait_for(lambda: len(self.server.received) >= n, timeout):
                raise AssertionError(f"the receiver did not get {n} requests in {timeout} s")
            return list(self.server.received)


@contextmanager
def receiver(secret: str = "whsec_test-secret") -> Iterator[Receiver]:  # noqa: S107 - a test key
    server = _Server(secret)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield Receiver(server, f"http://{host}:{port}/hooks/loket", secret, thread)
    finally:
        server.stopping.set()
        server.release.set()
        server.shutdown()
        server.server_close()
