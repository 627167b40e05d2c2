""" "Never ignore": an alarm when a customer message waits too long without an answer.

When the oldest unanswered customer message of a ticket has waited ``UNANSWERED_ALARM_MINUTES``
of business time (on the ticket's SLA calendar; plain time without a policy), the alarm goes
out, and again after each further period, one step up the chain each time: the assignee (or
the team when nobody is assigned), the team, the on-call agent, the team's manager. A public
reply or "no reply needed" ends it. ``TicketSla.alarm_at`` (indexed) is the next step's time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from loket.sla import calendars
from loket.sla.clocks import Setup
from loket.sla.models import TicketSla

CHAIN = ("assignee", "team", "on_call", "manager")


def limit_minutes() -> int:
    return max(1, int(getattr(settings, "UNANSWERED_ALARM_MINUTES", 60)))


def step_at(cal: calendars.Calendar | None, since: datetime, level: int) -> datetime:
    """When alarm step ``level`` (1 = the first alarm) is due for a message waiting ``since``."""
    return calendars.add_business_minutes(
        cal or calendars.ALWAYS_OPEN_UTC, since, limit_minutes() * level
    )


def reset(sla: TicketSla, waiting_since: datetime | None, setup: Setup | None) -> None:
    """Follows the oldest unanswered customer message: a new one starts the chain afresh."""
    if waiting_since is None:
        sla.alarm_since = sla.alarm_at = None
        sla.alarm_level = 0
        return
    if sla.alarm_since == waiting_since:
        return
    sla.alarm_since = waiting_since
    sla.alarm_level = 0
    sla.alarm_at = step_at(setup.calendar if setup else None, waiting_since, 1)


def sweep_alarms(now: datetime | None = None, *, batch: int = 1000) -> list[int]:
    """Raises every alarm step that is due: one ``ALARM`` event per step, notifications
    queued in the same transaction; returns the new event ids."""
    from django.db import transaction
    from django.utils import timezone

    from loket.sla import notify
    from loket.tickets.models import Event, EventKind

    now = now or timezone.now()
    ids: list[int] = []
    while True:
        with transaction.atomic():
            rows = list(
                TicketSla.objects.select_for_update(skip_locked=True, of=("self", "ticket"))
                .select_related("ticket", "policy__calendar")
                .filter(alarm_at__lte=now)
                .order_by("alarm_at")[:batch]
            )
            if not rows:
                break
            events: list[Event] = []
            for sla in rows:
                level = min(sla.alarm_level + 1, len(CHAIN))
                since = sla.alarm_since or now
                events.append(
                    Event(
                        ticket_id=sla.pk,
                        kind=EventKind.ALARM,
                        after={"level": level, "to": CHAIN[level - 1], "since": since.isoformat()},
                        created_at=now,
                    )
                )
                cal = sla.policy.calendar.calendar() if sla.policy is not None else None
                next_at = step_at(cal, since, level + 1) if level < len(CHAIN) else None
                if next_at is not None and next_at <= now:
                    # Long overdue (the worker was down): the steps still go out one at a time.
                    next_at = now + timedelta(minutes=1)
                TicketSla.objects.filter(pk=sla.pk).update(alarm_level=level, alarm_at=next_at)
            created = Event.objects.bulk_create(events)
            new = [e.pk for e in created if e.pk is not None]
            notify.sla_events(new)
            ids.extend(new)
        if len(rows) < batch:
            break
    return ids
