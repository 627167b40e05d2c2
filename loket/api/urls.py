"""Mounts the API under ``/api/``. Whatever the API's own routes do not answer (an unknown
path, a method a path does not take) still answers in the API's JSON error shape."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from loket.api.api import api

app_name = "api"


def _json_405(response: HttpResponse) -> HttpResponse:
    if response.status_code == 405 and not response.get("Content-Type", "").startswith(
        "application/json"
    ):
        allowed = response.get("Allow", "")
        response = JsonResponse(
            {
                "code": "method_not_allowed",
                "message": _("Method not allowed; allowed: %(allowed)s.") % {"allowed": allowed},
            },
            status=405,
        )
        response["Allow"] = allowed
    return response


def _json_method_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(view):  # a path with an async operation (chat events)

        @functools.wraps(view)
        async def wrapped_async(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return _json_405(await view(request, *args, **kwargs))

        return wrapped_async

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _json_405(view(request, *args, **kwargs))

    return wrapped


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return JsonResponse({"code": "not_found", "message": _("No such API endpoint.")}, status=404)


def _api_patterns() -> list[URLPattern | URLResolver]:
    patterns, _app, _namespace = api.urls
    wrapped: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            # ninja's root view raises a plain (HTML) 404; ours answers in JSON.
            callback = not_found if pattern.name == "api-root" else pattern.callback
            pattern = URLPattern(
                pattern.pattern,
                _json_method_errors(callback),
                pattern.default_args,
                pattern.name,
            )
        wrapped.append(pattern)
    return wrapped


urlpatterns: list[URLPattern | URLResolver] = [
    *_api_patterns(),
    re_path(r"^(?P<rest>.*)$", not_found, name="not-found"),
]
