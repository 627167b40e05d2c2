"""Puts the desk-wide "unanswered" figure on every agent page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef
from django.http import HttpRequest
from django.utils import timezone

from loket.accounts.models import User
from loket.tickets import queue_counts
from loket.tickets.access import agent_team_ids, tickets_visible_to

_BADGES = "_loket_queue_badges"
_TEAMS = "_loket_team_ids"


def team_ids_for(user: User, request: HttpRequest | None = None) -> list[int] | None:
    """An agent's teams (None for an admin: every team), read once per request."""
    if user.is_admin:
        return None
    cached = getattr(request, _TEAMS, None) if request is not None else None
    if cached is not None and cached[0] == user.pk:
        return cached[1]  # type: ignore[no-any-return]
    teams = agent_team_ids(user)
    if request is not None:
        setattr(request, _TEAMS, (user.pk, teams))
    return teams


def badges_for(user: User, request: HttpRequest | None = None) -> queue_counts.Badges:
    """An agent's badge counts, read once per request (the inbox's sidebar and the header's
    badge share them)."""
    cached = getattr(request, _BADGES, None) if request is not None else None
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    counts = queue_counts.badges(user.pk, team_ids_for(user, request))
    if request is not None:
        setattr(request, _BADGES, counts)
    return counts


def _summary(count: int, oldest: Any) -> dict[str, Any]:
    age_minutes = int((timezone.now() - oldest).total_seconds() // 60) if oldest else None
    return {
        "count": count,
        "oldest": oldest,
        "oldest_age_minutes": age_minutes,
        "alarm": age_minutes is not None and age_minutes >= settings.UNANSWERED_ALARM_MINUTES,
    }


def unanswered_summary(user: Any, request: HttpRequest | None = None) -> dict[str, Any]:
    """How many customer messages wait for an answer, and how long the oldest has waited."""
    from loket.tickets.models import Message

    # EXISTS, not ``ticket__in``: the waiting messages are read from their own index, oldest
    # first, and each one's ticket checked, instead of every visible ticket's messages being
    # looked up to find them.
    agent = isinstance(user, User) and user.is_active and user.is_agent
    teams = team_ids_for(user, request) if agent else None
    visible = tickets_visible_to(user, team_ids=teams).filter(pk=OuterRef("ticket_id"))
    waiting = Message.objects.filter(Exists(visible), needs_reply=True)
    if not agent:
        row = waiting.aggregate(n=Count("id"), oldest=Min("created_at"))
        return _summary(row["n"], row["oldest"])
    # Agents: the count from the kept counters; the oldest is the first visible one on the
    # ``message_needs_reply`` index (created_at, only waiting messages).
    count = badges_for(user, request).waiting_messages
    oldest = None
    if count:
        oldest = waiting.order_by("created_at").values_list("created_at", flat=True).first()
    return _summary(count, oldest)


def desk(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    from loket.accounts.models import DeskSettings

    brand = DeskSettings.current(request)
    context: dict[str, Any] = {
        "site_name": brand.desk_name,
        "brand_logo": bool(brand.logo),
        "brand_colours": bool(brand.primary_colour or brand.header_colour),
        "brand_version": int(brand.updated_at.timestamp()),
    }
    if user is not None and user.is_authenticated and getattr(user, "is_agent", False):
        context["unanswered"] = unanswered_summary(user, request)
    return context
