"""Time-based rules ("waiting on customer for 3 days → a reminder; 7 days → solved"): a
periodic job (``rules-timed``, every few minutes) finds the tickets that have been in their
current state for at least the rule's hours and fires the rule on those that meet its
conditions.

Idempotent: the stay in a state starts at the ticket's latest state change (its creation if
none); a ``TimedMark`` (rule, ticket, start) row is written in the firing's transaction, so a
rule fires once per ticket per stay, however often the job runs or however many workers run
it. A ticket that changes state and comes back starts a new stay.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task

from loket.rules.automation import compiled, engine, guard
from loket.rules.automation.facts import Facts
from loket.rules.models import TimedMark, Trigger
from loket.tickets.models import Event, EventKind, State, Ticket

BATCH = 500


def candidates(hours: int, now: datetime, limit: int = BATCH) -> list[tuple[Ticket, datetime]]:
    """Tickets not closed, in their current state since at least ``hours`` ago, with the
    moment that stay began (oldest first)."""
    last_change = (
        Event.objects.filter(ticket_id=OuterRef("pk"), kind=EventKind.STATE)
        .order_by("-id")
        .values("created_at")[:1]
    )
    rows = (
        Ticket.objects.exclude(state=State.CLOSED)
        .filter(merged_into__isnull=True)
        .annotate(since=Coalesce(Subquery(last_change), F("created_at")))
        .filter(since__lte=now - timedelta(hours=hours))
        .order_by("since", "pk")[:limit]
    )
    return [(t, t.since) for t in rows]


def run_timed(now: datetime | None = None) -> int:
    """Fires the due time-based rules; returns how many firings it made."""
    now = now or timezone.now()
    rules, _broken = compiled.enabled()
    fired = 0
    for rule in rules:
        if Trigger.TIMED not in rule.triggers or not rule.wait_hours:
            continue
        done = set(TimedMark.objects.filter(rule_id=rule.pk).values_list("ticket_id", "since"))
        for ticket, since in candidates(rule.wait_hours, now):
            if (ticket.pk, since) in done:
                continue
            fired += _try(rule, ticket, since, now)
    return fired


def _try(rule: compiled.Compiled, ticket: Ticket, since: datetime, now: datetime) -> int:
    facts = Facts(ticket, trigger=Trigger.TIMED, now=now)
    try:
        if not rule.predicate(facts):
            return 0
    except Exception as exc:
        engine.disable(rule.pk, str(exc)[:480])
        return 0
    try:
        with transaction.atomic():
            TimedMark.objects.create(rule_id=rule.pk, ticket_id=ticket.pk, since=since)
            if not guard.allowed(ticket.pk, now):
                return 0
            changed = engine.fire_and_follow(rule, facts, now)
    except IntegrityError:  # another worker marked it first
        return 0
    return 1 if changed is not None else 0


@task(queue_name="default")
def run_timed_rules() -> int:
    return run_timed()
