"""The incident banner: every page can say "we know, we are on it" while an incident is open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def incident_banner(request: HttpRequest) -> dict[str, Any]:
    """``monitor_incidents``: the open public incidents, looked up only when a template uses
    them (``{% include "monitor/banner.html" %}``)."""
    from loket.monitor.actions import open_public_incidents

    return {"monitor_incidents": SimpleLazyObject(open_public_incidents)}
