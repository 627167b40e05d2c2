"""Schedules the survey when a ticket is solved.

A ``post_save`` receiver on the ticket's ``Event``: it runs inside the action's transaction,
so the delayed task is a row written with the solve (an outbox: both commit or neither). The
task runs ``LOKET_CSAT_DELAY_MINUTES`` later (``run_after``) and decides then: a ticket
reopened in the meantime gets nothing, one solved again gets the newer solve's task.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from loket.csat import conf
from loket.tickets.models import Event, EventKind, State


@receiver(post_save, sender=Event, dispatch_uid="loket.csat.schedule_survey")
def _on_event(sender: type[Event], instance: Event, created: bool, raw: bool, **_: Any) -> None:
    if not created or raw or instance.kind != EventKind.STATE:
        return
    if instance.after != State.RESOLVED or not conf.enabled():
        return
    if instance.ticket.customer_id is None:
        return
    from loket.csat.tasks import send_survey

    run_after = timezone.now() + conf.delay()
    send_survey.using(run_after=run_after).enqueue(instance.ticket_id, instance.pk)
