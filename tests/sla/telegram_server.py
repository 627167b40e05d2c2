"""A local HTTP server that speaks the part of Telegram's Bot API Loket uses (sendMessage).

Not a mock object: the transport talks real HTTP to 127.0.0.1, through the guarded client.
Known chats get ``{"ok": true, ...}``; an unknown chat gets Telegram's 400 answer; a wrong
token gets 401 like the real API.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "123456:TEST-token_abc"


@dataclass
class FakeTelegram:
    url: str
    chats: set[str] = field(default_factory=lambda: {"4242"})
    sent: list[dict[str, Any]] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: FakeTelegram


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        return

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        match = re.fullmatch(r"/bot([^/]+)/sendMessage", self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if match is None:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        if match.group(1) != TOKEN:
            self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        payload = json.loads(raw or b"{}")
        state = self.server.state
        if str(payload.get("chat_id")) not in state.chats:
            self._reply(
                400,
                {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
            )
            return
        state.sent.append(payload)
        self._reply(
            200,
            {
                "ok": True,
                "result": {"message_id": len(state.sent), "chat": {"id": payload["chat_id"]},
                           "text": payload.get("text", "")},
            },
        )  # fmt: skip


@contextmanager
def fake_telegram() -> Iterator[FakeTelegram]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = FakeTelegram(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.state
    finally:
        server.shutdown()
        server.server_close()
