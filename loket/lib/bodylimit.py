"""Request bodies are capped per route, and refused with 413 before they are read.

Uploads (the routes in ``settings.UPLOAD_ROUTES``) may be as large as one attachment
(``MAX_ATTACHMENT_BYTES``; base64 in JSON for the API's, a third more) plus
``MAX_REQUEST_BYTES`` for the rest of the form; every other request ``MAX_REQUEST_BYTES``.
Under ASGI (``loket run``, uvicorn) ``BodyLimitASGI`` wraps the application: a declared
``Content-Length`` over the cap is answered at once, and a chunked body is counted as it
arrives and cut off when it passes the cap, so nobody can make the server read 300 MB to be
refused afterwards. ``BodyLimitMiddleware`` does the same check for WSGI and the test client.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Any  # Django's ASGIHandler, or any ASGI application


@lru_cache(maxsize=8)
def _routes(kind: str, patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def limit_for(path: str) -> int:
    """The largest body (in bytes) a request to ``path`` may send."""
    small = int(settings.MAX_REQUEST_BYTES)
    attachment = int(settings.MAX_ATTACHMENT_BYTES)
    routes: dict[str, list[str]] = settings.UPLOAD_ROUTES
    base64 = _routes("base64", tuple(routes.get("base64", ())))
    if base64 is not None and base64.match(path):
        return (attachment + 2) // 3 * 4 + small
    multipart = _routes("multipart", tuple(routes.get("multipart", ())))
    if multipart is not None and multipart.match(path):
        return attachment + small
    return small


def _message(limit: int) -> str:
    return _("The request is too large; the limit here is %(size)s MB.") % {
        "size": round(limit / 1048576, 1)
    }


def too_large_body(path: str, limit: int) -> tuple[bytes, bytes]:
    """(content type, body) of the 413 answer: JSON in the API's shape, else text."""
    if path.startswith("/api/"):
        body = {"code": "too_large", "message": _message(limit)}
        return b"application/json", json.dumps(body).encode()
    return b"text/plain; charset=utf-8", _message(limit).encode()


class BodyLimitASGI:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = limit_for(path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, path, limit)
            return
        received = 0
        refused = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    # The application is told the client went away: it stops reading.
                    return {"type": "http.disconnect"}
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if refused and not started:
                return  # the 413 goes out instead
            started = True
            await send(message)

        await self.app(scope, counting_receive, watching_send)
        if refused and not started:
            await _refuse(send, path, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, path: str, limit: int) -> None:
    content_type, body = too_large_body(path, limit)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """The same cap inside Django (WSGI servers, the test client): by ``Content-Length``,
    before anything reads the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = limit_for(request.path_info)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            content_type, body = too_large_body(request.path_info, limit)
            if content_type == b"application/json":
                return JsonResponse(json.loads(body), status=413)
            return HttpResponse(body, status=413, content_type=content_type.decode())
        return self.get_response(request)
