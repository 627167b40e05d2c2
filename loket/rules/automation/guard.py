"""The loop guard: a ticket whose rules have fired ``limit()`` times within the last hour gets
no more firings until older ones leave the hour, and the admins are told once per hour (a
``GuardTrip`` row).

(A rule never reacts to its own change: that part is the engine's, which knows which rule
caused an event.)"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from loket.rules.models import Firing, GuardTrip

WINDOW = timedelta(hours=1)


def limit() -> int:
    try:
        return max(1, int(getattr(settings, "RULES_FIRINGS_PER_HOUR", 20)))
    except (TypeError, ValueError):
        return 20


def remaining(ticket_id: int, now: datetime) -> int:
    """How many more firings the ticket may have now (the last hour's, a rolling window)."""
    since = now - WINDOW
    return limit() - Firing.objects.filter(ticket_id=ticket_id, at__gt=since, ok=True).count()


def trip(ticket_id: int, now: datetime) -> None:
    """Stops the ticket's rules for the hour and tells the admins, once."""
    from loket.rules.automation.notices import tell_admins

    if GuardTrip.objects.filter(ticket_id=ticket_id, at__gt=now - WINDOW).exists():
        return
    GuardTrip.objects.create(ticket_id=ticket_id, at=now)
    tell_admins.enqueue("loop", None, ticket_id, "")


def allowed(ticket_id: int, now: datetime) -> bool:
    """Whether one more firing on the ticket is allowed now (trips the guard when not)."""
    if remaining(ticket_id, now) > 0:
        return True
    trip(ticket_id, now)
    return False
