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
    """200 when the database answers and every queue has a live, moving worker; else 503 with
    what is wrong. ``?live=1`` asks only whether this web process and its database answer
    (for a load balancer: a dead worker is no reason to stop serving pages)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        if request.GET.get("live"):
            return JsonResponse({"status": "ok", "database": connection.vendor})
        from loket.jobs.health import assess

        health = assess()
    except Exception as exc:  # the point of a health check is to report, not to crash
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    body = {
        "status": "ok" if health.healthy else "unhealthy",
        "database": connection.vendor,
        **health.as_json(),
    }
    return JsonResponse(body, status=200 if health.healthy else 503)


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when this node may take traffic: database, migrations, the shared secret key,
    cache and file storage work and no queue is stuck; else 503 naming what is wrong
    (loket/jobs/ready.py). ``/healthz?live=1`` is the cheaper "is it alive"."""
    from loket.jobs import ready

    try:
        checks = ready.assess()
    except Exception as exc:  # the point of a ready check is to report, not to crash
        return JsonResponse({"status": "error", "detail": str(exc)[:200]}, status=503)
    ok = all(c.ok for c in checks)
    body = {
        "status": "ok" if ok else "not_ready",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
        "problems": [f"{c.name}: {c.detail}" for c in checks if not c.ok],
    }
    return JsonResponse(body, status=200 if ok else 503)
