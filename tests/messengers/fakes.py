"""A Telegram Bot API and a WhatsApp Business Cloud API on 127.0.0.1, as documented
(https://core.telegram.org/bots/api, https://developers.facebook.com/docs/whatsapp/cloud-api):
a real threaded ``http.server`` that Loket talks to over the network, with what each test needs
scripted on it (updates waiting to be fetched, files, media, error answers, 429 with
``retry_after``, slow answers for timeouts). Reusable: ``with messenger_api() as api``, then
point ``TELEGRAM_API_BASE`` at ``api.telegram_base`` and ``WHATSAPP_API_BASE`` at
``api.whatsapp_base``.

Also builders for what the services send to the desk's webhooks (``telegram_update``,
``whatsapp_payload``) and Meta's signature (``sign``), made here with the standard library,
not with Loket's code.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

GRAPH_VERSION = "v20.0"


@dataclass
class Failure:
    """An answer to give instead of the real one (``times`` times): an error status with the
    API's own error body, a 429 with ``retry_after``, or a delay (a timeout for the caller)."""

    status: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    delay: float = 0.0
    times: int = 1


@dataclass
class Call:
    api: str  # "telegram" / "whatsapp"
    method: str  # Bot API method, or "messages", "media", "download", "file"
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class _State:
    bot_tokens: set[str] = field(default_factory=set)
    wa_tokens: set[str] = field(default_factory=set)
    updates: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    webhooks: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id -> (path, data)
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # media_id -> (mime, data)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)  # sendMessage / messages bodies
    uploads: list[Upload] = field(default_factory=list)  # files sent with multipart/form-data
    media_uploaded: dict[str, Upload] = field(default_factory=dict)  # WhatsApp media id -> file


@dataclass(frozen=True)
class Upload:
    field: str
    filename: str
    content_type: str
    data: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = _State()
        self.lock = threading.Condition()
        self.ids = itertools.count(1000)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    # -- plumbing -----------------------------------------------------------------------
    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self._send(status, body, {"Content-Type": content_type})

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(
            status,
            json.dumps(data).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def _body(self) -> dict[str, Any]:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Type", "").startswith("multipart/form-data"):
            return self._form(raw)
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}

    def _form(self, raw: bytes) -> dict[str, Any]:
        """A ``multipart/form-data`` body, read with the standard library's MIME parser:
        plain fields as strings, files as ``Upload`` (both APIs take uploads this way)."""
        head = f"Content-Type: {self.headers['Content-Type']}\r\nMIME-Version: 1.0\r\n\r\n"
        message = email.message_from_bytes(head.encode() + raw, policy=email.policy.HTTP)
        data: dict[str, Any] = {}
        if not message.is_multipart():
            return data
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if filename is None:
                data[name] = content.decode()
            else:
                data[name] = Upload(name, filename, part.get_content_type(), content)
        return data

    def _record(self, api: str, method: str, body: dict[str, Any]) -> None:
        with self.server.lock:
            self.server.state.calls.append(
                Call(api, method, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )

    def _failure(self, key: str) -> Failure | None:
        with self.server.lock:
            queue = self.server.state.failures.get(key) or []
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            return failure

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, verb: str) -> None:
        path = urlsplit(self.path).path
        body = self._body() if verb == "POST" else {}
        if m := re.fullmatch(r"/bot([^/]+)/(\w+)", path):
            self._telegram(m.group(1), m.group(2), body)
        elif m := re.fullmatch(r"/file/bot([^/]+)/(.+)", path):
            self._telegram_file(m.group(1), m.group(2))
        elif m := re.fullmatch(rf"/{GRAPH_VERSION}/(\d+)/media", path):
            self._wa_upload(m.group(1), body)
        elif m := re.fullmatch(rf"/{GRAPH_VERSION}/(\d+)/messages", path):
            self._wa_send(m.group(1), body)
        elif m := re.fullmatch(rf"/{GRAPH_VERSION}/([\w.-]+)", path):
            self._wa_media(m.group(1))
        elif m := re.fullmatch(r"/wa-media/([\w.-]+)", path):
            self._wa_download(m.group(1))
        else:
            self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    # -- Telegram Bot API ---------------------------------------------------------------
    def _tg_error(self, status: int, description: str, retry_after: int | None = None) -> None:
        data: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            data["parameters"] = {"retry_after": retry_after}
        self._json(status, data)

    def _scripted(self, key: str, telegram: bool) -> bool:
        failure = self._failure(key)
        if failure is None:
            return False
        if failure.delay:
            time.sleep(failure.delay)
        if failure.status == 200:
            return False  # only slow
        if telegram:
            description = failure.description
            if failure.status == 429 and failure.retry_after is not None:
                description = f"Too Many Requests: retry after {failure.retry_after}"
            self._tg_error(failure.status, description, failure.retry_after)
        else:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else None
            code = 130429 if failure.status == 429 else 131000
            error = {"message": failure.description, "type": "OAuthException", "code": code}
            self._json(failure.status, {"error": error}, headers)
        return True

    def _telegram(self, token: str, method: str, body: dict[str, Any]) -> None:
        self._record("telegram", method, body)
        if token not in self.server.state.bot_tokens:
            return self._tg_error(401, "Unauthorized")
        if self._scripted(method, telegram=True):
            return None
        handler = getattr(self, f"_tg_{method}", None)
        if handler is None:
            return self._tg_error(404, "Not Found: method not found")
        result = handler(token, body)
        if isinstance(result, tuple):
            return self._tg_error(*result)
        return self._json(200, {"ok": True, "result": result})

    def _tg_getUpdates(self, token: str, body: dict[str, Any]) -> Any:
        state = self.server.state
        if state.webhooks.get(token):
            return (409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(body.get("offset") or 0)
        wait = min(float(body.get("timeout") or 0), 2.0)
        deadline = time.monotonic() + wait
        with self.server.lock:
            queue = state.updates.setdefault(token, [])
            # "An update is considered confirmed as soon as getUpdates is called with an
            # offset higher than its update_id."
            queue[:] = [u for u in queue if u["update_id"] >= offset]
            while not queue and time.monotonic() < deadline:
                self.server.lock.wait(deadline - time.monotonic())
            limit = int(body.get("limit") or 100)
            return [dict(u) for u in queue[:limit]]

    def _tg_sendMessage(self, token: str, body: dict[str, Any]) -> Any:
        if not body.get("chat_id"):
            return (400, "Bad Request: chat_id is empty")
        if str(body.get("chat_id")) == "403":
            return (403, "Forbidden: bot was blocked by the user")
        if not str(body.get("text") or "").strip():
            return (400, "Bad Request: message text is empty")
        with self.server.lock:
            self.server.state.sent.append({"api": "telegram", "token": token, **body})
            message_id = next(self.server.ids)
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(body["chat_id"]), "type": "private"},
            "text": body["text"],
        }

    def _tg_send_file(self, token: str, body: dict[str, Any], kind: str) -> Any:
        upload = body.get(kind)
        if not body.get("chat_id"):
            return (400, "Bad Request: chat_id is empty")
        if not isinstance(upload, Upload) or not upload.data:
            return (400, f"Bad Request: there is no {kind} in the request")
        if kind == "photo" and upload.content_type not in ("image/jpeg", "image/png", "image/webp"):
            return (400, "Bad Request: IMAGE_PROCESS_FAILED")
        with self.server.lock:
            self.server.state.uploads.append(upload)
            self.server.state.sent.append(
                {"api": "telegram", "token": token, "method": f"send{kind.title()}",
                 "chat_id": body["chat_id"], "caption": body.get("caption", ""),
                 kind: upload.filename}
            )  # fmt: skip
            message_id = next(self.server.ids)
        info: dict[str, Any] = {"file_id": f"F{message_id}", "file_size": len(upload.data)}
        content: Any = [info] if kind == "photo" else {**info, "file_name": upload.filename}
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(body["chat_id"]), "type": "private"},
            kind: content,
        }

    def _tg_sendPhoto(self, token: str, body: dict[str, Any]) -> Any:
        return self._tg_send_file(token, body, "photo")

    def _tg_sendDocument(self, token: str, body: dict[str, Any]) -> Any:
        return self._tg_send_file(token, body, "document")

    def _tg_getFile(self, token: str, body: dict[str, Any]) -> Any:
        found = self.server.state.files.get(str(body.get("file_id")))
        if found is None:
            return (400, "Bad Request: invalid file_id")
        path, data = found
        return {
            "file_id": body["file_id"],
            "file_unique_id": hashlib.sha1(data).hexdigest()[:16],  # noqa: S324
            "file_size": len(data),
            "file_path": path,
        }

    def _tg_setWebhook(self, token: str, body: dict[str, Any]) -> Any:
        self.server.state.webhooks[token] = str(body.get("url") or "")
        return True

    def _tg_deleteWebhook(self, token: str, body: dict[str, Any]) -> Any:
        self.server.state.webhooks.pop(token, None)
        return True

    def _telegram_file(self, token: str, path: str) -> None:
        self._record("telegram", "file", {})
        if token not in self.server.state.bot_tokens:
            return self._reply(401, b"Unauthorized", "text/plain")
        if self._scripted("file", telegram=True):
            return None
        for file_path, data in self.server.state.files.values():
            if file_path == path:
                return self._reply(200, data, "application/octet-stream")
        return self._reply(404, b"Not Found", "text/plain")

    # -- WhatsApp Cloud API -------------------------------------------------------------
    def _wa_authorised(self) -> bool:
        given = self.headers.get("Authorization", "")
        ok = given.startswith("Bearer ") and given[7:] in self.server.state.wa_tokens
        if not ok:
            error = {
                "message": "Invalid OAuth access token.",
                "type": "OAuthException",
                "code": 190,
            }
            self._json(401, {"error": error})
        return ok

    def _wa_send(self, phone_number_id: str, body: dict[str, Any]) -> None:
        self._record("whatsapp", "messages", body)
        if not self._wa_authorised() or self._scripted("messages", telegram=False):
            return None
        if body.get("messaging_product") != "whatsapp" or not body.get("to"):
            error = {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}
            return self._json(400, {"error": error})
        with self.server.lock:
            self.server.state.sent.append({"api": "whatsapp", "from": phone_number_id, **body})
            wamid = f"wamid.OUT{next(self.server.ids)}"
        return self._json(
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": wamid}],
            },
        )

    def _wa_upload(self, phone_number_id: str, body: dict[str, Any]) -> None:
        self._record("whatsapp", "upload", {k: v for k, v in body.items() if k != "file"})
        if not self._wa_authorised() or self._scripted("upload", telegram=False):
            return None
        upload = body.get("file")
        if body.get("messaging_product") != "whatsapp" or not isinstance(upload, Upload):
            error = {"message": "(#100) The parameter file is required.", "type": "OAuthException"}
            return self._json(400, {"error": {**error, "code": 100}})
        with self.server.lock:
            media_id = str(next(self.server.ids) * 7919)
            self.server.state.uploads.append(upload)
            self.server.state.media_uploaded[media_id] = upload
        return self._json(200, {"id": media_id})

    def _wa_media(self, media_id: str) -> None:
        self._record("whatsapp", "media", {})
        if not self._wa_authorised() or self._scripted("media", telegram=False):
            return None
        found = self.server.state.media.get(media_id)
        if found is None:
            error = {"message": "Unsupported get request.", "type": "GraphMethodException"}
            return self._json(400, {"error": {**error, "code": 100}})
        mime, data = found
        host, port = self.server.server_address[:2]
        return self._json(
            200,
            {
                "messaging_product": "whatsapp",
                "url": f"http://{host}:{port}/wa-media/{media_id}",
                "mime_type": mime,
                "sha256": hashlib.sha256(data).hexdigest(),
                "file_size": len(data),
                "id": media_id,
            },
        )

    def _wa_download(self, media_id: str) -> None:
        self._record("whatsapp", "download", {})
        if not self._wa_authorised() or self._scripted("download", telegram=False):
            return None
        found = self.server.state.media.get(media_id)
        if found is None:
            return self._reply(404, b"", "text/plain")
        return self._reply(200, found[1], found[0])


class MessengerApi:
    """The test's handle on the fake APIs."""

    def __init__(self, server: _Server) -> None:
        self._server = server
        host, port = server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self.telegram_base = self.url
        self.whatsapp_base = f"{self.url}/{GRAPH_VERSION}"

    @property
    def state(self) -> _State:
        return self._server.state

    def add_bot(self, token: str) -> None:
        self.state.bot_tokens.add(token)

    def add_whatsapp_token(self, token: str) -> None:
        self.state.wa_tokens.add(token)

    def queue_update(self, token: str, update: dict[str, Any]) -> None:
        with self._server.lock:
            self.state.updates.setdefault(token, []).append(update)
            self._server.lock.notify_all()

    def add_file(self, file_id: str, path: str, data: bytes) -> None:
        self.state.files[file_id] = (path, data)

    def add_media(self, media_id: str, mime: str, data: bytes) -> None:
        self.state.media[media_id] = (mime, data)

    def fail(self, key: str, failure: Failure) -> None:
        """The next call(s) of ``key`` (a Bot API method, "file", "messages", "media",
        "upload", "download") get ``failure``."""
        with self._server.lock:
            self.state.failures.setdefault(key, []).append(failure)

    @property
    def sent(self) -> list[dict[str, Any]]:
        with self._server.lock:
            return list(self.state.sent)

    @property
    def uploads(self) -> list[Upload]:
        with self._server.lock:
            return list(self.state.uploads)

    def calls(self, method: str) -> list[Call]:
        with self._server.lock:
            return [c for c in self.state.calls if c.method == method]


@contextmanager
def messenger_api() -> Iterator[MessengerApi]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield MessengerApi(server)
    finally:
        with server.lock:
            server.lock.notify_all()
        server.shutdown()
        server.server_close()


# -- what the services send to the desk ---------------------------------------------------
def telegram_update(
    update_id: int,
    *,
    user_id: int = 555001,
    text: str | None = "Hello",
    first_name: str = "Piet",
    username: str = "piet",
    **message: Any,
) -> dict[str, Any]:
    """A Bot API ``Update`` with a private-chat ``message`` (extra fields: ``photo``,
    ``document``, ``voice``, ``caption``)."""
    body: dict[str, Any] = {
        "message_id": update_id * 10,
        "date": int(time.time()),
        "from": {"id": user_id, "is_bot": False, "first_name": first_name,
                 "username": username, "language_code": "nl"},
        "chat": {"id": user_id, "type": "private", "first_name": first_name},
        **message,
    }  # fmt: skip
    if text is not None:
        body["text"] = text
    return {"update_id": update_id, "message": body}


def whatsapp_payload(
    phone_number_id: str,
    *messages: dict[str, Any],
    wa_id: str = "31612345678",
    name: str = "Klaas",
    statuses: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A Cloud API webhook body (``whatsapp_business_account``) with ``messages``."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "3120000000", "phone_number_id": phone_number_id},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
        value["messages"] = [
            {"from": wa_id, "timestamp": str(int(time.time())), **m} for m in messages
        ]
    if statuses:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA1", "changes": [{"value": value, "field": "messages"}]}],
    }


def wa_text(message_id: str, text: str) -> dict[str, Any]:
    return {"id": message_id, "type": "text", "text": {"body": text}}


def sign(app_secret: str, body: bytes) -> str:
    """Meta's ``X-Hub-Signature-256`` header value for ``body``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
