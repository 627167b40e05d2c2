"""The desk as an installable web app: the manifest and the service worker.

The service worker is served from the root (``/sw.js``) so its scope can be the whole site,
with ``Service-Worker-Allowed: /``, a JavaScript type and no caching (browsers check it for
updates). It shows Web Push notifications (``loket.sla.push``) and opens their page on a
click; it caches nothing, so pages are always fresh and access-checked.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

THEME_COLOUR = "#1f6feb"


@require_GET
@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> HttpResponse:
    icons = [
        {"src": static("loket/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("loket/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("loket/icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    body = {
        "name": settings.SITE_NAME,
        "short_name": settings.SITE_NAME[:12],
        "description": _("The support desk"),
        "id": "/desk/",
        "start_url": "/desk/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": THEME_COLOUR,
        "icons": icons,
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/manifest+json"
    )


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    script = render_to_string(
        "loket/sw.js",
        {
            "icon": json.dumps(static("loket/icons/icon-192.png")),
            "badge": json.dumps(static("loket/icons/badge-96.png")),
        },
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
