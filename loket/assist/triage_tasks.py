"""Triage's background work: suggesting for a new ticket, retraining on the desk's history.

A new ticket's opening customer message (the same moment the rota's routing reads) queues
``triage_ticket`` inside the transaction that creates the ticket: both commit or neither, and
the web request never waits for the classifier.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver
from django_tasks import task

from loket.assist import triage
from loket.assist.models_triage import TriageModel, TriageSettings
from loket.jobs.retry import retrying
from loket.lib import memo
from loket.tickets.models import Event, EventKind, MessageKind, State, Ticket

log = logging.getLogger(__name__)


@task()
@retrying(attempts=3, base=30.0)
def triage_ticket(ticket_id: int) -> int:
    """Suggests (and applies the sure choices) for one ticket; returns how many suggestions."""
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return 0
    return len(triage.suggest(ticket))


@task()
def retrain() -> int:
    """The periodic retraining: the number of solved tickets learned from (0: no model)."""
    row = triage.train_all()
    return row.examples if row is not None else 0


def _opens_ticket(event: Event) -> bool:
    if event.kind != EventKind.MESSAGE or event.after != {"kind": MessageKind.CUSTOMER}:
        return False
    ticket = event.ticket
    message = event.message
    return (
        ticket.state == State.NEW
        and message is not None
        and message.created_at == ticket.created_at  # the opening message (``create_ticket``)
    )


@receiver(post_save, sender=Event, dispatch_uid="loket.assist.triage")
def _on_event(sender: type[Event], instance: Event, created: bool, raw: bool, **_: Any) -> None:
    if not created or raw or not _opens_ticket(instance):
        return
    # Read once for a bulk import's batch (``memo``), every time otherwise.
    if not memo.remember("assist.triage_tasks.on", _triage_on):
        return
    triage_ticket.enqueue(instance.ticket_id)


def _triage_on() -> bool:
    return TriageModel.objects.exists() and TriageSettings.current().enabled
