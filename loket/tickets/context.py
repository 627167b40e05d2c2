"""Puts the desk-wide "unanswered" figure on every agent page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef
from django.http import HttpRequest
from django.utils import timezone

from loket.tickets.access import tickets_visible_to


def unanswered_summary(user: Any) -> dict[str, Any]:
    """How many customer messages wait for an answer, and how long the oldest has waited."""
    from loket.tickets.models import Message

    # EXISTS, not ``ticket__in``: the few waiting messages are read from their own index
    # (``message_waiting_by_ticket``, tickets migration 0003) and each one's ticket checked,
    # instead of every visible ticket's messages being looked up to find them.
    visible = tickets_visible_to(user).filter(pk=OuterRef("ticket_id"))
    row = Message.objects.filter(Exists(visible), needs_reply=True).aggregate(
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
    from loket.accounts.models import DeskSettings

    brand = DeskSettings.current()
    context: dict[str, Any] = {
        "site_name": brand.desk_name,
        "brand_logo": bool(brand.logo),
        "brand_colours": bool(brand.primary_colour or brand.header_colour),
        "brand_version": int(brand.updated_at.timestamp()),
    }
    if user is not None and user.is_authenticated and getattr(user, "is_agent", False):
        context["unanswered"] = unanswered_summary(user)
    return context
