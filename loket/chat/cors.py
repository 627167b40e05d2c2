"""Cross-origin access to the visitor API: only for a channel's allowed origins.

A browser asks first (``OPTIONS``, a preflight) before it posts JSON or sends a token; the
answer names the one origin it may come from. Any other origin gets a 403 and no CORS
headers, so the browser keeps the answer from the page. Bodies over ``CHAT_MAX_BODY`` bytes
(a file upload: the attachment limit) are refused (413) before anything reads them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from loket.chat.models import ChatChannel

_PATH = re.compile(r"\A/api/chat/([A-Za-z0-9_-]{1,40})/")
_UPLOAD = re.compile(r"\A/api/chat/[A-Za-z0-9_-]{1,40}/sessions/\d+/attachments\Z")
UPLOAD_OVERHEAD = 64 * 1024  # the multipart framing and a message text besides the file
ALLOW_HEADERS = "Authorization, Content-Type, Last-Event-ID"


def channel_for_request(request: HttpRequest, key: str) -> ChatChannel | None:
    """The active channel with ``key`` (read once per request)."""
    if hasattr(request, "_chat_channel"):
        cached: ChatChannel | None = request._chat_channel
        return cached if cached is None or cached.key == key else None
    channel = ChatChannel.objects.select_related("team").filter(key=key, active=True).first()
    request._chat_channel = channel  # type: ignore[attr-defined]
    return channel


def _allowed_origin(request: HttpRequest, key: str) -> str | None:
    origin = request.headers.get("Origin", "").rstrip("/").lower()
    if not origin:
        return None
    channel = channel_for_request(request, key)
    if channel is None or origin not in channel.origins():
        return None
    return origin


class ChatCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = _PATH.match(request.path)
        if match is None:
            return self.get_response(request)
        length = request.headers.get("Content-Length", "0")
        limit = settings.CHAT_MAX_BODY
        if _UPLOAD.match(request.path):  # a file: as large as a mail's attachment may be
            limit = settings.MAX_ATTACHMENT_BYTES + UPLOAD_OVERHEAD
        if not length.isdigit() or int(length) > limit:
            return JsonResponse(
                {"code": "too_large", "message": _("The request is too large.")}, status=413
            )
        origin = _allowed_origin(request, match.group(1))
        if request.method == "OPTIONS":
            if origin is None:
                return JsonResponse(
                    {
                        "code": "origin_refused",
                        "message": _("This website may not use this chat channel."),
                    },
                    status=403,
                )
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response["Access-Control-Max-Age"] = "600"
        else:
            response = self.get_response(request)
        if origin is not None:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Expose-Headers"] = "Retry-After"
        response["Vary"] = "Origin"
        return response
