"""Recomputes due, warning and alarm times after a calendar changed.

Runs in chunks of rows, each chunk in its own transaction with its rows locked, reading only
the columns the computation needs and writing them back with one ``executemany``. The same
:func:`loket.sla.clocks.plan` that tracks tickets live computes the new times.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from loket.sla import alarms
from loket.sla.calendars import Calendar
from loket.sla.clocks import plan
from loket.sla.models import BusinessCalendar, ClockStatus, Policy, TicketSla

_PER_CLOCK_IN = ("status", "target_s", "started_at", "paused_us", "warned", "breached_at")
_PER_CLOCK_OUT = ("due_at", "warn_at", "warned")


def _read_fields() -> list[str]:
    fields = ["pk", "warn_percent", "alarm_since", "alarm_level"]
    for kind in TicketSla.KINDS:
        fields += [f"{kind}_{name}" for name in _PER_CLOCK_IN]
    return fields


def _update_sql() -> str:
    columns = [f"{kind}_{name}" for kind in TicketSla.KINDS for name in _PER_CLOCK_OUT]
    columns += ["due_at", "next_check_at", "alarm_at"]
    table = connection.ops.quote_name(TicketSla._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    return f"UPDATE {table} SET {sets} WHERE {connection.ops.quote_name('ticket_id')} = %s"  # noqa: S608


def _row(cal: Calendar, values: tuple[Any, ...], now: datetime) -> list[Any]:
    _pk, warn_percent, alarm_since, alarm_level = values[:4]
    out: list[Any] = []
    dues: list[datetime] = []
    checks: list[datetime] = []
    adapt = connection.ops.adapt_datetimefield_value
    for i in range(len(TicketSla.KINDS)):
        status, target_s, started_at, paused_us, warned, breached_at = values[
            4 + 6 * i : 10 + 6 * i
        ]
        due = warn = None
        if status == ClockStatus.RUNNING and target_s is not None and started_at is not None:
            due, warn = plan(cal, started_at, target_s, paused_us, warn_percent)
            if warned and breached_at is None and warn > now:
                warned = False
            dues.append(due)
            if breached_at is None:
                checks.append(due)
                if not warned:
                    checks.append(warn)
        out += [adapt(due), adapt(warn), warned]
    alarm_at = None
    if alarm_since is not None:
        alarm_at = alarms.step_at(cal, alarm_since, alarm_level + 1)
    out += [adapt(min(dues, default=None)), adapt(min(checks, default=None)), adapt(alarm_at)]
    return out


def recompute(calendar: BusinessCalendar, *, chunk: int = 5000) -> int:
    """New due times for every running, unpaused clock on ``calendar``; returns rows updated.

    Paused clocks have no due time; they get one from the new calendar when they resume.
    """
    cal = calendar.calendar()
    now = timezone.now()
    policies = list(Policy.objects.filter(calendar=calendar).values_list("pk", flat=True))
    running = Q()
    for kind in TicketSla.KINDS:
        running |= Q(**{f"{kind}_status": ClockStatus.RUNNING})
    base = TicketSla.objects.filter(policy_id__in=policies, paused_since__isnull=True).filter(
        running | Q(alarm_since__isnull=False)
    )
    fields = _read_fields()
    sql = _update_sql()
    done = 0
    last = 0
    while True:
        with transaction.atomic():
            rows = list(
                base.select_for_update(of=("self",))
                .filter(pk__gt=last)
                .order_by("pk")
                .values_list(*fields)[:chunk]
            )
            if not rows:
                break
            params = [[*_row(cal, values, now), values[0]] for values in rows]
            with connection.cursor() as cursor:
                cursor.executemany(sql, params)
            done += len(rows)
            last = rows[-1][0]
        if len(rows) < chunk:
            break
    return done
