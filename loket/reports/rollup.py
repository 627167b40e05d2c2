"""Writes, rebuilds and checks the daily roll-up (``DailyVolume``) against the raw rows.

Created: tickets by the local day of ``Ticket.created_at``. Solved: resolutions, that is
``STATE`` events to "resolved", by the local day of the event (a ticket solved, reopened and
solved again counts twice).
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDay
from django.utils import timezone

from loket.reports.models import DailyVolume
from loket.tickets.models import Event, EventKind, State, Ticket

Counts = dict[tuple[date, str], tuple[int, int]]


def _local(value: datetime) -> date:
    """The day in the desk's time zone (settings.TIME_ZONE), whoever's request this is."""
    return timezone.localtime(value, timezone.get_default_timezone()).date()


def bump(day: date, channel: str, *, created: int = 0, solved: int = 0) -> None:
    """One delta row: inserts never wait for another transaction (see the model)."""
    DailyVolume.objects.create(day=day, channel=channel, created=created, solved=solved)


def on_event(event: Event) -> None:
    if event.kind == EventKind.CREATED:
        ticket = event.ticket
        bump(_local(ticket.created_at), ticket.channel, created=1)
    elif event.kind == EventKind.STATE and event.after == State.RESOLVED:
        bump(_local(event.created_at), event.ticket.channel, solved=1)


def on_events(events: list[Event]) -> None:
    """``on_event`` for a batch of events (in order): one delta row per day and channel."""
    deltas: dict[tuple[date, str], list[int]] = {}
    for event in events:
        if event.kind == EventKind.CREATED:
            key = (_local(event.ticket.created_at), event.ticket.channel)
            deltas.setdefault(key, [0, 0])[0] += 1
        elif event.kind == EventKind.STATE and event.after == State.RESOLVED:
            key = (_local(event.created_at), event.ticket.channel)
            deltas.setdefault(key, [0, 0])[1] += 1
    if deltas:
        DailyVolume.objects.bulk_create(
            DailyVolume(day=day, channel=channel, created=created, solved=solved)
            for (day, channel), (created, solved) in deltas.items()
        )


def resolutions() -> QuerySet[Event]:
    return Event.objects.filter(kind=EventKind.STATE, after=State.RESOLVED)


def raw_counts(tickets: QuerySet[Ticket] | None = None) -> Counts:
    """The roll-up's numbers recomputed from the raw rows, with aggregate queries."""
    tickets = Ticket.objects.all() if tickets is None else tickets
    out: dict[tuple[date, str], list[int]] = {}
    created = (
        tickets.annotate(d=TruncDay("created_at", tzinfo=timezone.get_default_timezone()))
        .values("d", "channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in created:
        out.setdefault((_local(row["d"]), row["channel"]), [0, 0])[0] += row["n"]
    solved_rows = (
        resolutions()
        .filter(ticket__in=tickets)
        .annotate(d=TruncDay("created_at", tzinfo=timezone.get_default_timezone()))
        .values("d", "ticket__channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for srow in solved_rows:
        out.setdefault((_local(srow["d"]), srow["ticket__channel"]), [0, 0])[1] += srow["n"]
    return {k: (v[0], v[1]) for k, v in out.items()}


def rolled_up() -> Counts:
    rows = (
        DailyVolume.objects.values("day", "channel")
        .annotate(c=Sum("created"), s=Sum("solved"))
        .order_by()
    )
    return {(r["day"], r["channel"]): (r["c"], r["s"]) for r in rows if r["c"] or r["s"]}


@transaction.atomic
def rebuild() -> int:
    DailyVolume.objects.all().delete()
    counts = raw_counts()
    DailyVolume.objects.bulk_create(
        [DailyVolume(day=d, channel=c, created=n, solved=s) for (d, c), (n, s) in counts.items()],
        batch_size=1000,
    )
    return len(counts)


def differences() -> list[str]:
    raw = raw_counts()
    rolled = rolled_up()
    out = []
    for key in sorted(set(raw) | set(rolled)):
        if raw.get(key, (0, 0)) != rolled.get(key, (0, 0)):
            d, c = key
            out.append(f"{d} {c}: roll-up {rolled.get(key, (0, 0))}, raw {raw.get(key, (0, 0))}")
    return out
