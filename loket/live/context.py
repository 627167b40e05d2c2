"""Tells the desk's pages where their live stream is: only to agents, and only when the page
is served by an ASGI server (a WSGI server cannot hold streams open; pages then poll)."""

from __future__ import annotations

from typing import Any

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest
from django.urls import reverse


def live(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(request, ASGIRequest) or not getattr(user, "is_agent", False):
        return {}
    return {"live_stream": reverse("live:stream")}
