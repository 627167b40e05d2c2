"""Site-wide pages: the front door and the health check."""

from __future__ import annotations

from allauth.account.views import LoginView
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def home(request: HttpRequest) -> HttpResponse:
    """Agents go to the desk, customers to the portal, everyone else sees the login page."""
    user = request.user
    if user.is_authenticated:
        return redirect("desk:inbox" if getattr(user, "is_agent", False) else "portal:home")
    response: HttpResponse = LoginView.as_view()(request)
    return response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # the point of a health check is to report, not to crash
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})
