"""The weekly management report as a desk page (managers): the same content as the mail."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.reports import weekly


@agent_required
def weekly_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_agent(request)
    if not user.is_manager:
        raise PermissionDenied
    latest = weekly.last_full_week(timezone.localdate())
    try:
        asked = date.fromisoformat(request.GET.get("week", ""))
        start = min(asked - timedelta(days=asked.weekday()), latest)
    except ValueError:
        start = latest
    start = max(start, date(2000, 1, 3))
    report = weekly.build(user, start)
    return render(
        request,
        "reports/weekly.html",
        {
            "r": report,
            "base_url": "",
            "previous": start - timedelta(days=7),
            "next": start + timedelta(days=7) if start < latest else None,
            "send_hour": settings.WEEKLY_REPORT_HOUR,
        },
    )
