"""Puts the desk-wide "unanswered" figure on every agent page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpRequest
from django.utils import timezone

from loket.tickets.access import tickets_visible_to


def unanswered_summary(user: Any) -> dict[str, Any]:
    """How many customer messages wait for an answer, and how long the oldest has waited."""
    from loket.tickets.models import Message

    row = Message.objects.filter(needs_reply=True, ticket__in=tickets_visible_to(user)).aggregate(
        n=Count("id"), oldest=Min("created_at")
    )
    oldest = row["oldest"]
    age_minutes = int((timezone.now() - oldest).total_seconds() // 60) if oldest else None
    return {
        "count": row["n"],
        "oldest": oldest,
        "oldest_age_minutes": age_minutes,
        "alarm": age_minutes is not None and age_minutes >= settings.UNANSWERED_ALARM_MINUTES,
    }


def desk(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    context: dict[str, Any] = {"site_name": settings.SITE_NAME}
    if user is not None and user.is_authenticated and getattr(user, "is_agent", False):
        context["unanswered"] = unanswered_summary(user)
    return context
