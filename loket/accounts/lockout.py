"""Sign-in lockout (django-axes), keyed on the account AND the address it is tried from.

``login_name`` tells axes which account a sign-in is for. allauth authenticates with
``email=`` (its form field is ``login``), Django's own forms with ``username=``; reading only
the configured form field, as axes does by default, gave an empty name for every sign-in, so
the lockout fell back to the address alone: ten wrong passwords from one office locked
everyone in it out. ``locked_out`` is the answer while a lock holds: a page in the visitor's
language (JSON for API callers), status 429 with ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import ngettext

NAME_KEYS = ("email", "login", "username")


def login_name(request: HttpRequest | None, credentials: Mapping[str, Any] | None) -> str:
    """The account a sign-in attempt is for, folded to lower case (addresses are stored so)."""
    for source in (credentials or {}, getattr(request, "POST", None) or {}):
        for key in NAME_KEYS:
            value = source.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip().lower()[:255]
    return ""


def cool_off_seconds(request: HttpRequest | None = None) -> int:
    cool_off = get_cool_off(request) or timedelta(minutes=15)
    return int(cool_off.total_seconds())


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """What axes answers while this account is locked for this address."""
    seconds = cool_off_seconds(request)
    minutes = max(1, round(seconds / 60))
    message = ngettext(
        "Too many failed sign-ins for this account from your address. "
        "Try again in %(minutes)s minute, or reset your password.",
        "Too many failed sign-ins for this account from your address. "
        "Try again in %(minutes)s minutes, or reset your password.",
        minutes,
    ) % {"minutes": minutes}
    response: HttpResponse
    if _wants_json(request):
        response = JsonResponse({"code": "locked_out", "message": message}, status=429)
    elif getattr(request, "htmx", False):
        # A boosted form does not swap a 4xx answer; send the browser to the page instead.
        response = HttpResponse(status=429)
        response["HX-Redirect"] = reverse("locked_out")
    else:
        response = locked_out_page(request, minutes=minutes)
    response["Retry-After"] = str(seconds)
    return response


def locked_out_page(request: HttpRequest, *, minutes: int | None = None) -> HttpResponse:
    if minutes is None:
        minutes = max(1, round(cool_off_seconds(request) / 60))
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
